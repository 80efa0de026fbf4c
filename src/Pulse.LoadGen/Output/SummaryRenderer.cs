using System.Globalization;
using Pulse.LoadGen.Measurement;
using Spectre.Console;

namespace Pulse.LoadGen.Output;

/// <summary>Prints a <see cref="RunSummary"/> as two tables (requests, latency) and a verdict line.</summary>
internal static class SummaryRenderer
{
    public static void Render(IAnsiConsole console, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(summary);
        var plain = !console.Profile.Capabilities.Ansi;
        var border = plain ? TableBorder.Ascii : TableBorder.Rounded;
        var mode = summary.Rps is { } rps
            ? string.Create(CultureInfo.InvariantCulture, $"open loop at {rps:0.###} rps, up to {summary.Concurrency} connections")
            : string.Create(CultureInfo.InvariantCulture, $"closed loop, {summary.Concurrency} concurrent");
        console.WriteLine();
        console.MarkupLine(Markup.Escape(string.Create(
            CultureInfo.InvariantCulture,
            $"Summary: {summary.Scenario} against {summary.Target}, {mode}, {summary.DurationSeconds:0.00} s (stopped by {summary.StoppedBy})")));

        var requests = new Table().Border(border).Title("Requests");
        requests.AddColumn("endpoint");
        foreach (var column in new[] { "count", "rate /s", "status codes", "errors >= 400", "timeouts", "conn errors", "unexpected" })
        {
            requests.AddColumn(new TableColumn(column).RightAligned());
        }

        var latency = new Table().Border(border).Title("Latency (ms)");
        latency.AddColumn("endpoint");
        foreach (var column in new[] { "min", "p50", "p90", "p99", "max", "mean" })
        {
            latency.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var endpoint in summary.Endpoints.Append(summary.Overall))
        {
            var name = endpoint.Method is null ? "all" : $"{endpoint.Method} {endpoint.Endpoint}";
            requests.AddRow(
                Markup.Escape(name),
                Number(endpoint.Count),
                endpoint.Rate.ToString("0.00", CultureInfo.InvariantCulture),
                Markup.Escape(string.Join(' ', endpoint.StatusCodes.Select(s => $"{s.Key}:{s.Value.ToString(CultureInfo.InvariantCulture)}"))),
                Number(endpoint.HttpErrors),
                Number(endpoint.Timeouts),
                Number(endpoint.ConnectionErrors),
                endpoint.Unexpected == 0 || plain ? Number(endpoint.Unexpected) : $"[red]{Number(endpoint.Unexpected)}[/]");
            if (endpoint.LatencyMs is { } ms)
            {
                latency.AddRow(Markup.Escape(name), Ms(ms.Min), Ms(ms.P50), Ms(ms.P90), Ms(ms.P99), Ms(ms.Max), Ms(ms.Mean));
            }
            else
            {
                latency.AddRow(Markup.Escape(name), "-", "-", "-", "-", "-", "-");
            }
        }

        console.Write(requests);
        console.Write(latency);

        if (summary.ScheduleLagMs is { } lag)
        {
            console.MarkupLine(Markup.Escape(string.Create(
                CultureInfo.InvariantCulture,
                $"Schedule lag (send time after intended time, included in latency): p50 {lag.P50:0.###} ms, p99 {lag.P99:0.###} ms, max {lag.Max:0.###} ms")));
        }

        foreach (var failure in summary.Failures)
        {
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"Unexpected ({failure.Count}x): {failure.Description}")));
        }

        var verdict = string.Create(
            CultureInfo.InvariantCulture,
            $"Unexpected outcomes: {summary.Overall.Unexpected} of {summary.Overall.Count} ({summary.ErrorRate:0.00%}), limit {summary.MaxErrorRate:0.00%}: exit code {summary.ExitCode}");
        console.MarkupLine(summary.ExitCode == 0 || plain ? Markup.Escape(verdict) : $"[red]{Markup.Escape(verdict)}[/]");
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Ms(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
