using Pulse.Slo.Spec;

namespace Pulse.Slo;

/// <summary>The same words for an objective in alerts, dashboards and alarm descriptions.</summary>
internal static class ObjectiveText
{
    /// <summary>"99.9 % of the requests answered without a server error (5xx), over 30 days".</summary>
    public static string Promise(SloSpec spec, Objective objective) =>
        $"{Numbers.Format(objective.TargetPercent)} % of the requests{Scope(objective)} {Good(objective)}, over {spec.WindowDays} days";

    /// <summary>"to /products/{id}", or nothing for the whole service.</summary>
    public static string Scope(Objective objective) => objective.Endpoint is null ? string.Empty : $" to {objective.Endpoint}";

    /// <summary>What a good request is.</summary>
    public static string Good(Objective objective) => objective.Sli == SliKind.Availability
        ? "answered without a server error (5xx)"
        : $"answered within {Numbers.Format(objective.ThresholdMs!.Value)} ms";

    /// <summary>What a bad request is.</summary>
    public static string Bad(Objective objective) => objective.Sli == SliKind.Availability
        ? "server errors (5xx)"
        : $"requests slower than {Numbers.Format(objective.ThresholdMs!.Value)} ms";

    /// <summary>The budget in percent of requests, e.g. "0.1 %".</summary>
    public static string Budget(Objective objective) => $"{Numbers.Format(objective.ErrorBudget * 100m)} %";

    /// <summary>The two conditions of a severity, in words.</summary>
    public static string Conditions(SloSpec spec, Objective objective, Severity severity)
    {
        var parts = BurnRateScheme.Alerts.Where(a => a.Severity == severity).Select(a =>
            $"above {Numbers.Format(a.BurnRate(spec.WindowDays))}x the budget over both the last {BurnRateScheme.Words(a.LongWindow)} and the last {BurnRateScheme.Words(a.ShortWindow)} ({Numbers.Format(a.BudgetShare * 100m)} % of the {spec.WindowDays}-day budget per {BurnRateScheme.Words(a.LongWindow)})");
        return $"The share of {Bad(objective)}{Scope(objective)} was {string.Join(", or ", parts)}; the budget is {Budget(objective)} of requests.";
    }

    /// <summary>How long the whole budget lasts at the burn rates that raise this severity.</summary>
    public static string Runway(SloSpec spec, Severity severity)
    {
        var rates = BurnRateScheme.Alerts.Where(a => a.Severity == severity).Select(a => a.BurnRate(spec.WindowDays)).ToList();
        var span = $"{Lasting(spec, rates.Max())} to {Lasting(spec, rates.Min())}";
        return severity == Severity.Page
            ? $"At these rates the whole budget is gone within {span}: act now."
            : $"At these rates the budget is gone within {span}, before the window is over: fix the cause within a working day.";
    }

    private static string Lasting(SloSpec spec, decimal burnRate)
    {
        var hours = spec.WindowDays * 24m / burnRate;
        return hours < 72m ? $"{Numbers.Format(Math.Round(hours))} hours" : $"{Numbers.Format(Math.Round(hours / 24m))} days";
    }
}
