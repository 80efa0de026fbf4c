using System.Text.Json;
using Pulse.Slo.Prometheus;
using Pulse.Slo.Spec;
using Pulse.Telemetry;

namespace Pulse.Slo.CloudWatch;

/// <summary>
/// Builds the CloudWatch alarm plan: the same SLIs as the Prometheus rules, from the EMF metrics, and the same
/// burn-rate pairs as alarms and composite alarms.
/// </summary>
/// <remarks>
/// Availability: <c>ServerErrorCount / RequestCount</c> (both Sum at <c>[Service]</c>). Latency: 100 minus
/// <c>PR(:threshold)</c> of <c>RequestLatencyMs</c>, the percentage of requests at or below the threshold, which
/// CloudWatch computes from the Values/Counts distributions the service writes (upper bound inclusive, as
/// Prometheus's <c>le</c>); at <c>[Service]</c>, or <c>[Service, Endpoint]</c> for one route. The distribution's
/// values are bucket midpoints within 1.1 % of each duration, so a request within 1.1 % of the threshold may
/// fall on either side.
/// </remarks>
internal static class AlarmPlanWriter
{
    private const int Minute = 60;

    public static string Write(SloSpec spec, string specPath) =>
        JsonSerializer.Serialize(Build(spec, specPath), Json.Options) + "\n";

    public static AlarmPlan Build(SloSpec spec, string specPath) => new(
        AlarmPlan.CurrentSchemaVersion,
        specPath,
        EmfMetrics.DefaultNamespace,
        EmfMetrics.Dimensions.Service,
        [.. spec.Objectives.Select(o => Objective(spec, o))]);

    private static ObjectiveAlarms Objective(SloSpec spec, Objective objective)
    {
        // One alarm per window of each pair: the 6h window is the page pair's long window at 6x and the ticket
        // pair's short window at 1x, two thresholds, two alarms.
        var alarms = BurnRateScheme.Alerts
            .SelectMany(a => new[] { Alarm(spec, objective, a, a.LongWindow), Alarm(spec, objective, a, a.ShortWindow) }).ToList();
        var composites = Enum.GetValues<Severity>().Select(severity => new CompositeAlarm(
            $"{objective.Name}-{(severity == Slo.Severity.Page ? "fast" : "slow")}-burn",
            Severity(severity),
            DeploymentGate: severity == Slo.Severity.Page,
            $"{RuleFileWriter.Summary(objective, severity)}. {RuleFileWriter.Description(spec, objective, severity)} Runbook: {RuleFileWriter.RunbookUrl(SloRecordings.AlertName(objective.Sli, severity))}",
            [.. BurnRateScheme.Alerts.Where(a => a.Severity == severity)
                .Select(a => new AlarmPair(AlarmId(objective, a, a.LongWindow), AlarmId(objective, a, a.ShortWindow)))])).ToList();
        return new ObjectiveAlarms(
            objective.Name,
            objective.Sli == SliKind.Availability ? "availability" : "latency",
            $"{ObjectiveText.Promise(spec, objective)}.",
            (double)objective.TargetPercent,
            (double)objective.ErrorBudget,
            spec.WindowDays,
            objective.Endpoint,
            objective.ThresholdMs is { } ms ? (double)ms : null,
            ErrorRatio(objective, Minute, "ratio", $"{objective.Name} error ratio", budgetDivisor: null),
            alarms,
            composites);
    }

    /// <summary>E.g. <c>availability-page-1h</c>: the objective, the severity of the pair, the window.</summary>
    public static string AlarmId(Objective objective, BurnRateAlert pair, TimeSpan window) =>
        $"{objective.Name}-{Severity(pair.Severity)}-{BurnRateScheme.Format(window)}";

    private static string Severity(Severity severity) => severity == Slo.Severity.Page ? "page" : "ticket";

    private static BurnRateAlarm Alarm(SloSpec spec, Objective objective, BurnRateAlert pair, TimeSpan window)
    {
        var threshold = pair.BurnRate(spec.WindowDays);
        var period = (int)window.TotalSeconds;
        return new BurnRateAlarm(
            AlarmId(objective, pair, window),
            BurnRateScheme.Format(window),
            $"Burn rate of SLO {objective.Name} ({ObjectiveText.Promise(spec, objective)}) over {BurnRateScheme.Words(window)}, the {(pair.LongWindow == window ? "long" : "short")} window of the {Severity(pair.Severity)} pair {BurnRateScheme.Format(pair.LongWindow)}/{BurnRateScheme.Format(pair.ShortWindow)} at {Numbers.Format(threshold)}x. No actions: the composite alarm notifies.",
            (double)threshold,
            "GreaterThanThreshold",
            EvaluationPeriods: 1,
            DatapointsToAlarm: 1,
            "notBreaching",
            ErrorRatio(objective, period, "burn_rate", $"{objective.Name} burn rate {BurnRateScheme.Format(window)}", objective.ErrorBudget));
    }

    /// <summary>The queries whose returned series is the error ratio, or the burn rate when divided by the budget.</summary>
    private static List<MetricQuery> ErrorRatio(Objective objective, int period, string id, string label, decimal? budgetDivisor)
    {
        var divide = budgetDivisor is { } budget ? $" / {Numbers.Format(budget)}" : string.Empty;
        if (objective.Sli == SliKind.Availability)
        {
            return
            [
                new("requests", Metric(EmfMetrics.Names.RequestCount, objective, "Sum", period), null, null, false),
                new("server_errors", Metric(EmfMetrics.Names.ServerErrorCount, objective, "Sum", period), null, null, false),
                // A period without requests is 0, not a division by zero.
                new(id, null, $"IF(requests > 0, server_errors / requests, 0){divide}", label, true),
            ];
        }

        var stat = $"PR(:{Numbers.Format(objective.ThresholdMs!.Value)})";
        return
        [
            new("fast_percent", Metric(EmfMetrics.Names.RequestLatencyMs, objective, stat, period), null, null, false),
            new(id, null, $"(100 - fast_percent) / 100{divide}", label, true),
        ];
    }

    private static EmfMetricStat Metric(string name, Objective objective, string stat, int period) => objective.Endpoint is null
        ? new(name, EmfMetrics.ServiceDimensions, null, stat, period)
        : new(name, EmfMetrics.EndpointDimensions, objective.Endpoint, stat, period);
}
