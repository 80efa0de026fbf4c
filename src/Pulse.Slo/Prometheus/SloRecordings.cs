using Pulse.Slo.Spec;

namespace Pulse.Slo.Prometheus;

/// <summary>
/// Names of the series the SLO rules record, all carrying the label <c>slo</c> (the objective's name) and
/// <c>job</c>. They follow the level:metric:operations convention (https://prometheus.io/docs/practices/rules/)
/// and the names Sloth uses, so existing SLO dashboards and habits carry over.
/// </summary>
public static class SloRecordings
{
    /// <summary>The label that names the objective.</summary>
    public const string SloLabel = "slo";

    /// <summary>Requests per second the objective counts, over the base window (5m).</summary>
    public static string Requests(TimeSpan window) => "slo:sli_requests:rate" + BurnRateScheme.Format(window);

    /// <summary>Bad requests per second (5xx, or slower than the threshold), over the base window (5m).</summary>
    public static string Errors(TimeSpan window) => "slo:sli_errors:rate" + BurnRateScheme.Format(window);

    /// <summary>Bad requests as a share of all the objective counts, over a window.</summary>
    public static string ErrorRatio(TimeSpan window) => "slo:sli_error:ratio_rate" + BurnRateScheme.Format(window);

    /// <summary>The target as a ratio (0.999), a constant per objective.</summary>
    public const string Objective = "slo:objective:ratio";

    /// <summary>The error budget as a ratio of requests (0.001), a constant per objective.</summary>
    public const string ErrorBudget = "slo:error_budget:ratio";

    /// <summary>Share of the window's error budget still left: 1 untouched, 0 spent, below 0 overspent.</summary>
    public const string ErrorBudgetRemaining = "slo:error_budget_remaining:ratio";

    /// <summary>The alert for an objective's kind and severity, e.g. <c>PulseSloAvailabilityFastBurn</c>.</summary>
    public static string AlertName(SliKind kind, Severity severity) =>
        $"PulseSlo{kind}{(severity == Severity.Page ? "FastBurn" : "SlowBurn")}";

    /// <summary>Every alert name the generator can produce (one runbook section each).</summary>
    public static IEnumerable<string> AllAlertNames =>
        from kind in Enum.GetValues<SliKind>()
        from severity in Enum.GetValues<Severity>()
        select AlertName(kind, severity);
}
