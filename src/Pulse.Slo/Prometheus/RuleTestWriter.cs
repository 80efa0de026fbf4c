using System.Globalization;
using Pulse.Slo.Spec;
using Pulse.Telemetry;

namespace Pulse.Slo.Prometheus;

/// <summary>
/// Writes promtool unit tests (https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/)
/// that replay an objective's traffic minute by minute through its rules: a fast burn pages within the
/// minutes the burn rate implies, a slow burn opens a ticket and never pages, an error ratio within budget
/// never alerts, and recovery resolves the page.
/// </summary>
/// <remarks>
/// The expected times are worked out from the scheme, not from the rules: with a burn rate b against an alert
/// threshold t over a long window L, the long window's ratio reaches t after L x t / b of burning (with a
/// clean history of at least L). The rules' 5-minute base rate adds up to a few minutes of lag, so each test
/// checks silence somewhat before that time and the alert somewhat after it.
/// </remarks>
internal static class RuleTestWriter
{
    /// <summary>Requests per minute in every test: enough that every bad share used is a whole number of requests.</summary>
    private const int RequestsPerMinute = 10000;

    private const string Instance = "api:8080";

    /// <summary>
    /// The page tests, evaluated every minute as in production (every 15 s there): detection and recovery to
    /// the minute.
    /// </summary>
    public static string WritePages(SloSpec spec, Objective objective, string specPath, string rulesPath, string testsPath)
    {
        var yaml = Header(spec, objective, specPath, rulesPath, testsPath, PageEvaluation,
            "Pages: a fast burn pages within the minutes its burn rate implies, through each page pair; the page resolves " +
            "minutes after the errors stop.");
        var page = BurnRateScheme.Alerts.Where(a => a.Severity == Severity.Page).OrderBy(a => a.LongWindow).ToList();
        var ticket = BurnRateScheme.Alerts.Where(a => a.Severity == Severity.Ticket).OrderBy(a => a.LongWindow).ToList();
        var pageName = SloRecordings.AlertName(objective.Sli, Severity.Page);
        var ticketName = SloRecordings.AlertName(objective.Sli, Severity.Ticket);

        // Fast burn through the shortest pair: 20x against 14.4x (30 days) pages in about 43 minutes.
        {
            var alert = page[0];
            var burn = FastBurn(spec, alert);
            var history = page[^1].LongWindow;
            var (silentAt, firingAt) = DetectionChecks(spec, alert, burn, PageEvaluation);
            var test = new TestCase(
                $"{objective.Name}: a {Numbers.Format(burn)}x burn pages through its {BurnRateScheme.Format(alert.LongWindow)} and {BurnRateScheme.Format(alert.ShortWindow)} windows within {Minutes(firingAt)} minutes",
                [new(history, 0m), new(firingAt, burn)]);
            test.Expect(history + silentAt, pageName, firing: false);
            test.Expect(history + firingAt, pageName, firing: true);
            test.Write(yaml, spec, objective);
        }

        // Fast burn through the longer pair only: too slow for the shortest pair, fast enough for the next.
        foreach (var alert in page.Skip(1))
        {
            var burn = BetweenBurn(spec, alert, page[0]);
            var history = alert.LongWindow;
            var (silentAt, firingAt) = DetectionChecks(spec, alert, burn, PageEvaluation);
            var test = new TestCase(
                $"{objective.Name}: a {Numbers.Format(burn)}x burn pages through its {BurnRateScheme.Format(alert.LongWindow)} and {BurnRateScheme.Format(alert.ShortWindow)} windows within {Minutes(firingAt)} minutes",
                [new(history, 0m), new(firingAt, burn)]);
            test.Expect(history + silentAt, pageName, firing: false);
            test.Expect(history + firingAt, pageName, firing: true);
            test.Write(yaml, spec, objective);
        }

        // Recovery: the page resolves once the short window is clean again.
        {
            var alert = page[0];
            var burn = FastBurn(spec, alert);
            var history = page[^1].LongWindow;
            var (_, firingAt) = DetectionChecks(spec, alert, burn, PageEvaluation);
            var burning = firingAt + TimeSpan.FromMinutes(10);
            var resolvedAt = alert.ShortWindow + TimeSpan.FromMinutes(2);
            var test = new TestCase(
                $"{objective.Name}: the page resolves within {Minutes(resolvedAt)} minutes of the errors stopping",
                [new(history, 0m), new(burning, burn), new(resolvedAt, 0m)]);
            test.Expect(history + firingAt, pageName, firing: true);
            test.Expect(history + burning + resolvedAt, pageName, firing: false);
            test.Write(yaml, spec, objective);
        }

        return yaml.ToString();
    }

    /// <summary>
    /// The ticket and within-budget tests span days of traffic (a clean 3-day history, then the burn), so they
    /// are evaluated every 10 minutes: minute steps would cost promtool minutes, and tickets are checked to the hour.
    /// </summary>
    public static string WriteTickets(SloSpec spec, Objective objective, string specPath, string rulesPath, string testsPath)
    {
        var yaml = Header(spec, objective, specPath, rulesPath, testsPath, TicketEvaluation,
            "Tickets: a slow burn opens a ticket through each ticket pair, never pages, and resolves after recovery; an " +
            "error ratio within the budget never alerts.");
        var ticket = BurnRateScheme.Alerts.Where(a => a.Severity == Severity.Ticket).OrderBy(a => a.LongWindow).ToList();
        var pageName = SloRecordings.AlertName(objective.Sli, Severity.Page);
        var ticketName = SloRecordings.AlertName(objective.Sli, Severity.Ticket);

        // Slow burns: each ticket pair on its own, never a page.
        foreach (var alert in ticket)
        {
            // Between this pair's threshold and the next faster one (the slowest page for the fastest ticket pair).
            var faster = BurnRateScheme.Alerts.Where(a => a.BurnRate(spec.WindowDays) > alert.BurnRate(spec.WindowDays))
                .MinBy(a => a.BurnRate(spec.WindowDays))!;
            var burn = BetweenBurn(spec, alert, faster);
            var history = ticket.Max(a => a.LongWindow);
            var (silentAt, firingAt) = DetectionChecks(spec, alert, burn, TicketEvaluation);
            var clean = ticket.Max(a => a.ShortWindow) + TimeSpan.FromHours(1);
            var test = new TestCase(
                $"{objective.Name}: a {Numbers.Format(burn)}x burn opens a ticket through its {BurnRateScheme.Format(alert.LongWindow)} and {BurnRateScheme.Format(alert.ShortWindow)} windows within {Hours(firingAt)} hours, never pages, and resolves after recovery",
                [new(history, 0m), new(firingAt, burn), new(clean, 0m)]);
            test.Expect(history + TimeSpan.FromHours(1), pageName, firing: false);
            test.Expect(history + silentAt, ticketName, firing: false);
            test.Expect(history + firingAt, ticketName, firing: true);
            test.Expect(history + firingAt, pageName, firing: false);
            test.Expect(history + firingAt + clean, ticketName, firing: false);
            test.Write(yaml, spec, objective);
        }

        // Within budget: just under the slowest ticket threshold, with requests the objective must not count.
        {
            var burn = Numbers.Normalize(ticket.Min(a => a.BurnRate(spec.WindowDays)) * 0.9m);
            var length = ticket.Max(a => a.LongWindow) + ticket.Max(a => a.ShortWindow);
            var test = new TestCase(
                $"{objective.Name}: a {Numbers.Format(burn)}x burn, within the budget, never alerts; {IgnoredTraffic(objective)} do not count",
                [new(length, burn)], withNoise: true);
            foreach (var at in new[] { TimeSpan.FromHours(1), TimeSpan.FromHours(6), TimeSpan.FromDays(1), length })
            {
                test.Expect(at, pageName, firing: false);
                test.Expect(at, ticketName, firing: false);
            }

            test.Write(yaml, spec, objective);
        }

        return yaml.ToString();
    }

    private static readonly TimeSpan PageEvaluation = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan TicketEvaluation = TimeSpan.FromMinutes(10);

    private static YamlText Header(SloSpec spec, Objective objective, string specPath, string rulesPath, string testsPath, TimeSpan evaluation, string what)
    {
        var yaml = new YamlText();
        yaml.Comment(0, $"Generated from {specPath} by src/Pulse.Slo: do not edit. Run: promtool test rules {testsPath}");
        yaml.Comment(0,
            $"Objective {objective.Name}: {ObjectiveText.Promise(spec, objective)}; budget {ObjectiveText.Budget(objective)} of requests. " +
            what + $" Traffic: {RequestsPerMinute} requests a minute; at a burn rate of b, b times the budget of them are bad. " +
            "promtool compares only firing alerts, so an empty exp_alerts means not firing (pending or silent).");
        yaml.Line("rule_files:");
        yaml.Line($"  - {Relative(testsPath, rulesPath)}");
        yaml.Line();
        yaml.Line($"evaluation_interval: {BurnRateScheme.Format(evaluation)}");
        yaml.Line();
        yaml.Line("tests:");
        return yaml;
    }

    /// <summary>A quarter above the fastest threshold, rounded up to a multiple of 5: 20x for the Workbook's 14.4x (2 % errors against 99.9 %).</summary>
    private static decimal FastBurn(SloSpec spec, BurnRateAlert alert) => Math.Ceiling(alert.BurnRate(spec.WindowDays) * 1.25m / 5m) * 5m;

    /// <summary>Halfway between two thresholds: fires <paramref name="alert"/> but not the faster <paramref name="faster"/>.</summary>
    private static decimal BetweenBurn(SloSpec spec, BurnRateAlert alert, BurnRateAlert faster) =>
        Math.Round((alert.BurnRate(spec.WindowDays) + faster.BurnRate(spec.WindowDays)) / 2m, 1);

    /// <summary>
    /// When to check: with a clean history, the long window's ratio reaches the threshold after
    /// L x threshold / burn; the check for silence is 10 % of that earlier, the check for the alert 10 % later
    /// (at least 5 minutes either way, for the base window's lag), rounded to minutes.
    /// </summary>
    private static (TimeSpan SilentAt, TimeSpan FiringAt) DetectionChecks(SloSpec spec, BurnRateAlert alert, decimal burn, TimeSpan evaluation)
    {
        var minutes = (decimal)alert.LongWindow.TotalMinutes * alert.BurnRate(spec.WindowDays) / burn;
        var margin = Math.Max(5m, minutes * 0.1m);
        var step = (decimal)evaluation.TotalMinutes;
        return (TimeSpan.FromMinutes((double)(Math.Floor((minutes - margin) / step) * step)),
                TimeSpan.FromMinutes((double)(Math.Ceiling((minutes + margin) / step) * step)));
    }

    private static string IgnoredTraffic(Objective objective) => objective switch
    {
        { Sli: SliKind.Availability } => "client errors (4xx) and another job's server errors",
        { Endpoint: not null } => "slow requests to other endpoints and of another job",
        _ => "slow requests of another job",
    };

    private static string Minutes(TimeSpan t) => ((int)t.TotalMinutes).ToString(CultureInfo.InvariantCulture);

    private static string Hours(TimeSpan t) => Numbers.Format(Math.Ceiling((decimal)t.TotalHours * 10m) / 10m);

    private static string Relative(string from, string to) =>
        Path.GetRelativePath(Path.GetDirectoryName(from)!, to).Replace('\\', '/');

    /// <summary>A stretch of traffic: how long, and the burn rate (bad share / budget) during it.</summary>
    private sealed record Segment(TimeSpan Length, decimal Amount);

    private sealed class TestCase(string name, IReadOnlyList<Segment> segments, bool withNoise = false)
    {
        private readonly List<(TimeSpan At, string Alert, bool Firing)> _checks = [];

        public void Expect(TimeSpan at, string alert, bool firing) => _checks.Add((at, alert, firing));

        public void Write(YamlText yaml, SloSpec spec, Objective objective)
        {
            var minutes = (int)segments.Sum(s => s.Length.TotalMinutes);
            yaml.Line();
            yaml.Prose(2, "- name", name);
            yaml.Line("    interval: 1m");
            yaml.Line("    input_series:");
            var bad = segments.Select(s => new Segment(s.Length, Numbers.Normalize(RequestsPerMinute * s.Amount * objective.ErrorBudget))).ToList();
            var good = bad.Select(s => new Segment(s.Length, RequestsPerMinute - s.Amount)).ToList();
            var all = segments.Select(s => new Segment(s.Length, RequestsPerMinute)).ToList();
            var endpoint = objective.Endpoint ?? "/";
            if (objective.Sli == SliKind.Availability)
            {
                Series(yaml, Requests(spec.Job, endpoint, "200"), good);
                Series(yaml, Requests(spec.Job, endpoint, "500"), bad);
                if (withNoise)
                {
                    Series(yaml, Requests(spec.Job, PulseMetrics.UnmatchedEndpoint, "404"), Constant(minutes, RequestsPerMinute / 2));
                    Series(yaml, Requests(spec.Job, endpoint, "400"), Constant(minutes, RequestsPerMinute / 2));
                    Series(yaml, Requests("other-job", endpoint, "500"), Constant(minutes, RequestsPerMinute));
                }
            }
            else
            {
                var threshold = Numbers.Format(objective.ThresholdSeconds!.Value);
                Series(yaml, Bucket(spec.Job, endpoint, threshold), good);
                Series(yaml, Bucket(spec.Job, endpoint, "+Inf"), all);
                if (withNoise)
                {
                    Series(yaml, Bucket("other-job", endpoint, threshold), Constant(minutes, 0));
                    Series(yaml, Bucket("other-job", endpoint, "+Inf"), Constant(minutes, RequestsPerMinute));
                    if (objective.Endpoint is not null)
                    {
                        Series(yaml, Bucket(spec.Job, "/", threshold), Constant(minutes, 0));
                        Series(yaml, Bucket(spec.Job, "/", "+Inf"), Constant(minutes, RequestsPerMinute));
                    }
                }
            }

            yaml.Line("    alert_rule_test:");
            foreach (var (at, alert, firing) in _checks)
            {
                yaml.Line($"      - eval_time: {Duration(at)}");
                yaml.Line($"        alertname: {alert}");
                if (!firing)
                {
                    yaml.Line("        exp_alerts: []");
                    continue;
                }

                var severity = alert.EndsWith("FastBurn", StringComparison.Ordinal) ? Severity.Page : Severity.Ticket;
                yaml.Line("        exp_alerts:");
                yaml.Line($"          - exp_labels: {{severity: {RuleFileWriter.PrometheusSeverity(severity)}, {SloRecordings.SloLabel}: {YamlText.Quote(objective.Name)}, job: {YamlText.Quote(spec.Job)}}}");
                yaml.Line("            exp_annotations:");
                yaml.Scalar(14, "summary", RuleFileWriter.Summary(objective, severity));
                yaml.Prose(14, "description", RuleFileWriter.Description(spec, objective, severity));
                yaml.Scalar(14, "runbook_url", RuleFileWriter.RunbookUrl(alert));
            }
        }

        private static string Requests(string job, string endpoint, string status) =>
            $"{PulseMetrics.Http.RequestsTotal}{{job=\"{job}\",instance=\"{Instance}\",method=\"GET\",endpoint=\"{endpoint}\",status_code=\"{status}\"}}";

        private static string Bucket(string job, string endpoint, string le) =>
            $"{PulseMetrics.Http.RequestDuration}_bucket{{job=\"{job}\",instance=\"{Instance}\",method=\"GET\",endpoint=\"{endpoint}\",le=\"{le}\"}}";

        private static List<Segment> Constant(int minutes, decimal perMinute) => [new(TimeSpan.FromMinutes(minutes), perMinute)];

        /// <summary>
        /// A counter that grows by each segment's amount per minute, in promtool's expanding notation: the first
        /// term <c>0+a x n</c> gives n+1 samples, each later one continues from where the previous ended.
        /// </summary>
        private static void Series(YamlText yaml, string series, IReadOnlyList<Segment> perMinute)
        {
            var terms = new List<string>();
            var value = 0m;
            for (var i = 0; i < perMinute.Count; i++)
            {
                var n = (int)perMinute[i].Length.TotalMinutes;
                var step = perMinute[i].Amount;
                var start = i == 0 ? 0m : value + step;
                var count = i == 0 ? n : n - 1;
                terms.Add($"{Numbers.Format(start)}+{Numbers.Format(step)}x{count.ToString(CultureInfo.InvariantCulture)}");
                value = start + (step * count);
            }

            yaml.PromQl(6, "- series", [series]);
            yaml.Line($"        values: {YamlText.Quote(string.Join(' ', terms))}");
        }

        private static string Duration(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalMinutes}m");
    }
}
