using System.Globalization;
using Pulse.Slo.Spec;
using Pulse.Telemetry;

namespace Pulse.Slo.Prometheus;

/// <summary>
/// Writes the Prometheus rule file of the SLOs: per objective one rule group with the SLI recordings, the
/// budget and the multiwindow, multi-burn-rate alerts (<see cref="BurnRateScheme"/>).
/// </summary>
/// <remarks>
/// Cost: only the base window (5m) reads the raw counters, which have one series per method, endpoint and
/// status code (and per bucket for latency). Every longer window, up to the SLO window, sums the two recorded
/// base-window series over its range: a 3-day ratio reads 2 x 17,280 samples of one series each instead of
/// re-reading every raw series for 3 days. The ratio is the sum of bad over the sum of all (weighted by
/// traffic), never an average of ratios, which would give a quiet night the weight of a busy day.
/// </remarks>
internal static class RuleFileWriter
{
    public static string Write(SloSpec spec, Objective objective, string specPath)
    {
        var yaml = new YamlText();
        yaml.Comment(0, $"Generated from {specPath} by src/Pulse.Slo: do not edit. Change the spec, then run");
        yaml.Line("#   dotnet run --project src/Pulse.Slo -- generate");
        yaml.Comment(0,
            $"Service level objective {objective.Name} (docs/slo.md). The rules of a group run in order, so each " +
            "reads the series recorded before it in the same evaluation. Only the 5-minute rates read the raw counters; " +
            "every longer window sums those two recorded series over its range (bad / all, weighted by traffic), so a " +
            "3-day window reads one series, not every raw series for 3 days.");
        yaml.Comment(0,
            "Alerts: multiwindow, multi-burn-rate (Google SRE Workbook, \"Alerting on SLOs\"). Page (severity critical) " +
            "when the error ratio exceeds the burn rate times the budget over a long window and its short window; " +
            "ticket (severity warning) likewise for slower burns. Unit tests: " + SloGenerator.RuleTestsPath(objective) + " and " + SloGenerator.TicketTestsPath(objective) + ".");
        yaml.Line("groups:");
        WriteGroup(yaml, spec, objective);

        return yaml.ToString();
    }

    public static string GroupName(Objective objective) => "slo-" + objective.Name;

    private static void WriteGroup(YamlText yaml, SloSpec spec, Objective objective)
    {
        var slo = $"{SloRecordings.SloLabel}=\"{objective.Name}\"";
        var baseWindow = BurnRateScheme.BaseWindow;
        var range = BurnRateScheme.Format(baseWindow);
        yaml.Line($"  - name: {GroupName(objective)}");
        yaml.Line("    rules:");
        yaml.Comment(6, $"{ObjectiveText.Promise(spec, objective)}.");

        yaml.Comment(6, $"Requests per second the objective counts, and the bad ones among them: {ObjectiveText.Bad(objective)}.");
        Record(yaml, objective, SloRecordings.Requests(baseWindow), [$"sum by (job) (rate({TotalSelector(spec, objective)}[{range}]))"]);
        if (objective.Sli == SliKind.Availability)
        {
            // No 5xx series exists until the first server error: 0, not nothing, while there is traffic.
            Record(yaml, objective, SloRecordings.Errors(baseWindow),
            [
                $"sum by (job) (rate({ServerErrorSelector(spec, objective)}[{range}]))",
                $"or on (job) 0 * {SloRecordings.Requests(baseWindow)}{{{slo}}}",
            ]);
        }
        else
        {
            Record(yaml, objective, SloRecordings.Errors(baseWindow),
            [
                $"{SloRecordings.Requests(baseWindow)}{{{slo}}}",
                $"- on (job) sum by (job) (rate({GoodLatencySelector(spec, objective)}[{range}]))",
            ]);
        }

        yaml.Comment(6, "Error ratio per window: the base window directly, every longer one from the recorded base-window series.");
        Record(yaml, objective, SloRecordings.ErrorRatio(baseWindow),
            [$"{SloRecordings.Errors(baseWindow)}{{{slo}}} / {SloRecordings.Requests(baseWindow)}{{{slo}}}"]);
        foreach (var window in BurnRateScheme.AlertWindows.Skip(1).Append(spec.WindowLength))
        {
            var w = BurnRateScheme.Format(window);
            Record(yaml, objective, SloRecordings.ErrorRatio(window),
            [
                $"sum_over_time({SloRecordings.Errors(baseWindow)}{{{slo}}}[{w}])",
                $"/ sum_over_time({SloRecordings.Requests(baseWindow)}{{{slo}}}[{w}])",
            ]);
        }

        yaml.Comment(6, $"The target and the budget (constants, for dashboards), and the share of the {spec.WindowDays}-day budget left.");
        Record(yaml, objective, SloRecordings.Objective, [$"vector({Numbers.Format(objective.Target)})"]);
        Record(yaml, objective, SloRecordings.ErrorBudget, [$"vector({Numbers.Format(objective.ErrorBudget)})"]);
        Record(yaml, objective, SloRecordings.ErrorBudgetRemaining,
            [$"1 - {SloRecordings.ErrorRatio(spec.WindowLength)}{{{slo}}} / {Numbers.Format(objective.ErrorBudget)}"]);

        foreach (var severity in Enum.GetValues<Severity>())
        {
            WriteAlert(yaml, spec, objective, severity);
        }
    }

    private static void Record(YamlText yaml, Objective objective, string name, IReadOnlyList<string> expression)
    {
        yaml.Line($"      - record: {name}");
        yaml.PromQl(8, "expr", expression);
        yaml.Line("        labels:");
        yaml.Scalar(10, SloRecordings.SloLabel, objective.Name);
    }

    private static void WriteAlert(YamlText yaml, SloSpec spec, Objective objective, Severity severity)
    {
        var slo = $"{SloRecordings.SloLabel}=\"{objective.Name}\"";
        var name = SloRecordings.AlertName(objective.Sli, severity);
        var lines = new List<string>();
        var alerts = BurnRateScheme.Alerts.Where(a => a.Severity == severity).ToList();
        for (var i = 0; i < alerts.Count; i++)
        {
            var threshold = $"({Numbers.Format(alerts[i].BurnRate(spec.WindowDays))} * {Numbers.Format(objective.ErrorBudget)})";
            lines.Add(i == 0 ? "(" : "or (");
            lines.Add($"  {SloRecordings.ErrorRatio(alerts[i].LongWindow)}{{{slo}}} > {threshold}");
            lines.Add($"  and {SloRecordings.ErrorRatio(alerts[i].ShortWindow)}{{{slo}}} > {threshold}");
            lines.Add(")");
        }

        yaml.Comment(6, severity == Severity.Page
            ? "Page: the budget is burning fast. No `for`: the short window already confirms the burn is still going."
            : "Ticket: the budget is burning faster than it can last the window.");
        yaml.Line($"      - alert: {name}");
        yaml.PromQl(8, "expr", lines);
        yaml.Line("        labels:");
        yaml.Scalar(10, "severity", PrometheusSeverity(severity));
        yaml.Line("        annotations:");
        yaml.Scalar(10, "summary", Summary(objective, severity));
        yaml.Prose(10, "description", Description(spec, objective, severity));
        yaml.Scalar(10, "runbook_url", RunbookUrl(name));
    }

    /// <summary>The severity label: <c>critical</c> pages and <c>warning</c> is a ticket, as for the service's other alerts.</summary>
    public static string PrometheusSeverity(Severity severity) => severity == Severity.Page ? "critical" : "warning";

    public static string RunbookUrl(string alertName) => $"docs/runbook.md#{alertName.ToLowerInvariant()}";

    public static string Summary(Objective objective, Severity severity) => severity == Severity.Page
        ? $"SLO {objective.Name} is burning its error budget fast"
        : $"SLO {objective.Name} is burning its error budget faster than it can last";

    public static string Description(SloSpec spec, Objective objective, Severity severity) =>
        $"Objective: {ObjectiveText.Promise(spec, objective)}. {ObjectiveText.Conditions(spec, objective, severity)} " +
        $"{ObjectiveText.Runway(spec, severity)} Dashboard: Pulse: SLOs.";

    /// <summary>Every request the objective counts: the histogram's +Inf bucket for latency, every status for availability.</summary>
    public static string TotalSelector(SloSpec spec, Objective objective) => objective.Sli == SliKind.Availability
        ? $"{PulseMetrics.Http.RequestsTotal}{{{Matchers(spec, objective)}}}"
        : $"{PulseMetrics.Http.RequestDuration}_bucket{{{Matchers(spec, objective)},le=\"+Inf\"}}";

    public static string ServerErrorSelector(SloSpec spec, Objective objective) =>
        $"{PulseMetrics.Http.RequestsTotal}{{{Matchers(spec, objective)},{PulseMetrics.Labels.StatusCode}=~\"5..\"}}";

    /// <summary>
    /// Requests at or below the threshold: the bucket whose <c>le</c> is the threshold. The text format writes a
    /// whole number of seconds as <c>1</c>, OpenMetrics as <c>1.0</c> (and Prometheus 3 stores <c>1.0</c>), so
    /// whole seconds match both spellings.
    /// </summary>
    public static string GoodLatencySelector(SloSpec spec, Objective objective) =>
        $"{PulseMetrics.Http.RequestDuration}_bucket{{{Matchers(spec, objective)},{LeMatcher(objective.ThresholdSeconds!.Value)}}}";

    public static string LeMatcher(decimal seconds) => seconds == decimal.Truncate(seconds)
        ? $"le=~\"{Numbers.Format(seconds)}(\\\\.0)?\""
        : $"le=\"{Numbers.Format(seconds)}\"";

    private static string Matchers(SloSpec spec, Objective objective) => objective.Endpoint is null
        ? $"job=\"{spec.Job}\""
        : string.Create(CultureInfo.InvariantCulture, $"job=\"{spec.Job}\",{PulseMetrics.Labels.Endpoint}=\"{objective.Endpoint}\"");
}
