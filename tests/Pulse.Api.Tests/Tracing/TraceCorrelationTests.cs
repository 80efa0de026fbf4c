using System.Net;
using System.Text.Json;
using Pulse.Api.Tests.Infrastructure;
using Pulse.Telemetry;
using Pulse.Testing;

namespace Pulse.Api.Tests.Tracing;

/// <summary>
/// The built service in its own process, its stdout read as a log collector reads it: every JSON log line written
/// inside a request, and the request's per-request EMF document, carry the ids of the request's span, the span the
/// service exports over OTLP. Traces go where OpenTelemetry's standard variable says.
/// </summary>
public sealed class TraceCorrelationTests
{
    /// <summary>Logs the hosting layer's "Request starting/finished" lines too, so that a request writes several lines.</summary>
    private static readonly string[] Arguments = ["--Telemetry:Emf:Mode=PerRequest", "--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics=Information"];

    [Fact]
    public async Task LogLinesAndTheEmfDocumentOfARequestCarryTheIdsOfItsExportedSpan()
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        await using var service = await ServiceProcess.StartAsync(
            AppContext.BaseDirectory,
            new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = receiver.TracesEndpoint.ToString(), ["OTEL_BSP_SCHEDULE_DELAY"] = "100" },
            Arguments);

        using (var response = await service.Client.GetAsync("error"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        var span = await receiver.WaitForSpanAsync(s => s.Attribute("http.route") == "/error", what: "the /error server span");
        var (logs, emf) = await RequestOutputAsync(service, "/error");

        Assert.Contains(logs, line => line.GetProperty("Message").GetString()!.Contains("Intentional error", StringComparison.Ordinal));
        Assert.True(logs.Count >= 3, $"expected the request's start, warning and end lines, got {logs.Count}");
        Assert.All(logs, line => Assert.Equal((span.TraceId, span.SpanId), TraceIds(line)));
        Assert.Equal(span.TraceId, emf.GetProperty(EmfMetrics.Properties.TraceId).GetString());
    }

    [Fact]
    public async Task WithoutTracingLogLinesAndTheEmfDocumentStillShareTheRequestsTraceId()
    {
        await using var service = await ServiceProcess.StartAsync(AppContext.BaseDirectory, arguments: Arguments);

        (await service.Client.GetAsync("error")).Dispose();

        var (logs, emf) = await RequestOutputAsync(service, "/error");
        var (traceId, spanId) = TraceIds(logs[0]);
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        Assert.Matches("^[0-9a-f]{16}$", spanId);
        Assert.All(logs, line => Assert.Equal((traceId, spanId), TraceIds(line)));
        Assert.Equal(traceId, emf.GetProperty(EmfMetrics.Properties.TraceId).GetString());
    }

    /// <summary>The JSON log lines written inside the request to <paramref name="path"/> (those with its request scope), and its EMF document.</summary>
    private static async Task<(List<JsonElement> Logs, JsonElement Emf)> RequestOutputAsync(ServiceProcess service, string path)
    {
        List<JsonElement> logs = [];
        JsonElement? emf = null;
        await Wait.UntilAsync(
            () =>
            {
                var lines = service.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
                logs = [.. lines.Where(line => line.TryGetProperty("Scopes", out var scopes)
                    && scopes.EnumerateArray().Any(scope => scope.TryGetProperty("RequestPath", out var value) && value.GetString() == path))];
                emf = lines.FirstOrDefault(line => line.TryGetProperty("_aws", out _)
                    && line.TryGetProperty(EmfMetrics.Properties.RequestId, out _)
                    && line.GetProperty(EmfMetrics.Dimensions.Endpoint).GetString() == path);

                // The hosting layer's "Request finished" line is the request's last.
                return emf is not null && logs.Any(line => line.GetProperty("Message").GetString()!.StartsWith("Request finished", StringComparison.Ordinal));
            },
            TimeSpan.FromSeconds(30),
            $"the log lines and the EMF document of the request to {path}");
        return (logs, emf!.Value);
    }

    /// <summary>The trace and span ids a JSON log line carries in its scopes (the outermost scope: the request's activity).</summary>
    private static (string? TraceId, string? SpanId) TraceIds(JsonElement line)
    {
        var activity = line.GetProperty("Scopes").EnumerateArray().FirstOrDefault(scope => scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty("TraceId", out _));
        return activity.ValueKind == JsonValueKind.Undefined
            ? (null, null)
            : (activity.GetProperty("TraceId").GetString(), activity.GetProperty("SpanId").GetString());
    }
}
