using System.Globalization;
using Microsoft.Extensions.Options;

namespace Pulse.Telemetry;

/// <summary>Rejects settings that would produce a wrong or unbounded exposition; each message names the setting.</summary>
internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var failures = new List<string>();
        CheckBuckets(failures, "Telemetry:Http:DurationBuckets", options.Http.DurationBuckets);
        CheckBuckets(failures, "Telemetry:Http:SizeBuckets", options.Http.SizeBuckets);

        for (var i = 0; i < options.Http.ExcludedPaths.Count; i++)
        {
            if (!IsPath(options.Http.ExcludedPaths[i]))
            {
                failures.Add(Invariant($"Telemetry:Http:ExcludedPaths:{i} must start with '/' (got '{options.Http.ExcludedPaths[i]}')."));
            }
        }

        if (!IsPath(options.Prometheus.Path))
        {
            failures.Add($"Telemetry:Prometheus:Path must start with '/' (got '{options.Prometheus.Path}').");
        }

        if (options.Prometheus.Port is { } port && port is < 1 or > 65535)
        {
            failures.Add(Invariant($"Telemetry:Prometheus:Port must be between 1 and 65535 (got {port})."));
        }

        if (options.Otlp.Endpoint is { } endpoint
            && (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"Telemetry:Otlp:Endpoint must be an absolute http or https address (got '{endpoint}').");
        }

        if (options.Otlp.ExportInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add(Invariant($"Telemetry:Otlp:ExportInterval must be at least 00:00:01 (got {options.Otlp.ExportInterval})."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckBuckets(List<string> failures, string setting, IList<double> bounds)
    {
        for (var i = 0; i < bounds.Count; i++)
        {
            if (!double.IsFinite(bounds[i]) || bounds[i] <= 0)
            {
                failures.Add(Invariant($"{setting}:{i} must be a positive finite number (got {bounds[i]})."));
            }
            else if (i > 0 && bounds[i] <= bounds[i - 1])
            {
                failures.Add(Invariant($"{setting} must be strictly increasing ({bounds[i]} follows {bounds[i - 1]})."));
            }
        }
    }

    private static bool IsPath(string? path) => !string.IsNullOrEmpty(path) && path[0] == '/';

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
