using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Pulse.Telemetry;

namespace Pulse.Slo.Spec;

/// <summary>
/// What the spec is checked against: the duration histogram's bucket boundaries the service is configured
/// with and the route templates it serves.
/// </summary>
/// <param name="DurationBucketsSeconds">Upper bounds of <c>http_request_duration_seconds</c>, in seconds, ascending.</param>
/// <param name="BucketsSource">Where the buckets came from, for messages.</param>
/// <param name="Endpoints">Route templates (the <c>endpoint</c> label and EMF <c>Endpoint</c> dimension values).</param>
/// <param name="EndpointsSource">Where the endpoints came from, for messages.</param>
public sealed record ServiceFacts(IReadOnlyList<double> DurationBucketsSeconds, string BucketsSource, IReadOnlySet<string> Endpoints, string EndpointsSource)
{
    /// <summary>The service's shipped settings, which every environment starts from.</summary>
    public const string DefaultSettingsFile = "src/Pulse.Api/appsettings.json";

    /// <summary>The committed OpenAPI document, kept equal to the running service's by its tests.</summary>
    public const string DefaultOpenApiFile = "docs/openapi.json";

    /// <summary>The configuration key of the duration buckets, as the service binds it.</summary>
    public static readonly string DurationBucketsKey = $"{TelemetryOptions.SectionName}:Http:DurationBuckets";

    /// <summary>
    /// Reads the buckets as the service does: <c>Telemetry:Http:DurationBuckets</c> from
    /// <paramref name="settingsFile"/>, or <see cref="PulseMetrics.Http.DefaultDurationBuckets"/> when it is not
    /// set; and the endpoints from the <c>paths</c> of the OpenAPI document <paramref name="openApiFile"/>.
    /// </summary>
    public static ServiceFacts Load(string settingsFile, string openApiFile)
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(settingsFile), optional: false).Build();
        var configured = configuration.GetSection(DurationBucketsKey).Get<double[]>() ?? [];
        var buckets = configured.Length > 0 ? configured : [.. PulseMetrics.Http.DefaultDurationBuckets];
        var bucketsSource = configured.Length > 0
            ? $"{DurationBucketsKey} in {settingsFile}"
            : $"the service's default buckets ({DurationBucketsKey} is not set in {settingsFile})";

        using var document = JsonDocument.Parse(File.ReadAllText(openApiFile));
        var endpoints = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        return new ServiceFacts(buckets, bucketsSource, endpoints, $"the paths of {openApiFile}");
    }
}
