using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pulse.Api.Health;

/// <summary>
/// Liveness (<c>/health/live</c>: the process answers), readiness (<c>/health/ready</c>: every check tagged
/// <see cref="ReadyTag"/>, such as the database) and the full report (<c>/health</c>), selected by tags.
/// </summary>
internal static class HealthApi
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    public static IHealthChecksBuilder AddPulseHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks()
            .AddCheck("self", static () => HealthCheckResult.Healthy("The process is running."), tags: [LiveTag])
            .AddCheck<DatabaseHealthCheck>(DatabaseHealthCheck.Name, tags: [ReadyTag]);

    public static IEndpointRouteBuilder MapPulseHealthChecks(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", Options(check => check.Tags.Contains(LiveTag))).WithTags("Health");
        routes.MapHealthChecks("/health/ready", Options(check => check.Tags.Contains(ReadyTag))).WithTags("Health");
        routes.MapHealthChecks("/health", Options(static _ => true)).WithTags("Health");
        return routes;
    }

    private static HealthCheckOptions Options(Func<HealthCheckRegistration, bool> predicate) => new()
    {
        Predicate = predicate,
        ResponseWriter = WriteReportAsync,
    };

    /// <summary>Writes the overall status and each check's name, status, duration and description as JSON.</summary>
    private static Task WriteReportAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new HealthReportResponse(
            report.Status.ToString(),
            report.TotalDuration.TotalMilliseconds,
            [.. report.Entries.Select(entry => new HealthCheckResponse(
                entry.Key,
                entry.Value.Status.ToString(),
                entry.Value.Duration.TotalMilliseconds,
                entry.Value.Description,
                [.. entry.Value.Tags]))]);
        return JsonSerializer.SerializeAsync(context.Response.Body, body, HealthJsonContext.Default.HealthReportResponse, context.RequestAborted);
    }
}

internal sealed record HealthReportResponse(string Status, double TotalDurationMs, IReadOnlyList<HealthCheckResponse> Checks);

internal sealed record HealthCheckResponse(string Name, string Status, double DurationMs, string? Description, IReadOnlyList<string> Tags);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(HealthReportResponse))]
internal sealed partial class HealthJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
