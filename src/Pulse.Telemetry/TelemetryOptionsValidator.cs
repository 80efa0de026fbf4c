using System.Globalization;
using Microsoft.Extensions.Options;

namespace Pulse.Telemetry;

/// <summary>
/// Rejects settings of the <c>Telemetry</c> section that would produce a wrong or unbounded exposition, or EMF
/// documents CloudWatch would refuse; each message names the setting. The rules of each part are those of that
/// part's own validator, which checks the part when its extension is used on its own.
/// </summary>
internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        HttpTelemetryOptionsValidator.Check(failures, options.Http);
        PrometheusOptionsValidator.Check(failures, options.Prometheus);
        if (options.Otlp.Endpoint is { } endpoint
            && (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"Telemetry:Otlp:Endpoint must be an absolute http or https address (got '{endpoint}').");
        }

        if (options.Otlp.ExportInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add(Invariant($"Telemetry:Otlp:ExportInterval must be at least 00:00:01 (got {options.Otlp.ExportInterval})."));
        }

        TracingOptionsValidator.Check(failures, options.Tracing);
        if (options.Enabled && options.Emf.Enabled)
        {
            EmfOptionsValidator.Check(failures, options.Emf);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Rejects HTTP measurement settings that would make a wrong histogram or never match a path.</summary>
internal sealed class HttpTelemetryOptionsValidator : IValidateOptions<HttpTelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpTelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(failures, options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static void Check(List<string> failures, HttpTelemetryOptions options)
    {
        CheckBuckets(failures, "Telemetry:Http:DurationBuckets", options.DurationBuckets);
        CheckBuckets(failures, "Telemetry:Http:SizeBuckets", options.SizeBuckets);
        for (var i = 0; i < options.ExcludedPaths.Count; i++)
        {
            if (!PrometheusOptionsValidator.IsPath(options.ExcludedPaths[i]))
            {
                failures.Add(TelemetryOptionsValidator.Invariant($"Telemetry:Http:ExcludedPaths:{i} must start with '/' (got '{options.ExcludedPaths[i]}')."));
            }
        }
    }

    private static void CheckBuckets(List<string> failures, string setting, IList<double> bounds)
    {
        for (var i = 0; i < bounds.Count; i++)
        {
            if (!double.IsFinite(bounds[i]) || bounds[i] <= 0)
            {
                failures.Add(TelemetryOptionsValidator.Invariant($"{setting}:{i} must be a positive finite number (got {bounds[i]})."));
            }
            else if (i > 0 && bounds[i] <= bounds[i - 1])
            {
                failures.Add(TelemetryOptionsValidator.Invariant($"{setting} must be strictly increasing ({bounds[i]} follows {bounds[i - 1]})."));
            }
        }
    }
}

/// <summary>Rejects an exposition path that is not a path and a port that is not one.</summary>
internal sealed class PrometheusOptionsValidator : IValidateOptions<PrometheusOptions>
{
    public ValidateOptionsResult Validate(string? name, PrometheusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(failures, options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static void Check(List<string> failures, PrometheusOptions options)
    {
        if (!IsPath(options.Path))
        {
            failures.Add($"Telemetry:Prometheus:Path must start with '/' (got '{options.Path}').");
        }

        if (options.Port is { } port && port is < 1 or > 65535)
        {
            failures.Add(TelemetryOptionsValidator.Invariant($"Telemetry:Prometheus:Port must be between 1 and 65535 (got {port})."));
        }
    }

    internal static bool IsPath(string? path) => !string.IsNullOrEmpty(path) && path[0] == '/';
}

/// <summary>Rejects a sampling ratio that is not a probability.</summary>
internal sealed class TracingOptionsValidator : IValidateOptions<TracingOptions>
{
    public ValidateOptionsResult Validate(string? name, TracingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(failures, options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static void Check(List<string> failures, TracingOptions options)
    {
        // NaN is outside every range, so it fails too.
        if (options.SamplingRatio is not (>= 0 and <= 1))
        {
            failures.Add(TelemetryOptionsValidator.Invariant($"Telemetry:Tracing:SamplingRatio must be between 0 and 1 (got {options.SamplingRatio})."));
        }
    }
}
