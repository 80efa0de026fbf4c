using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.AspNetCore;
using OpenTelemetry.Trace;
using Pulse.Telemetry.Http;

namespace Pulse.Telemetry.Hosting;

/// <summary>
/// Adds Pulse's spans to an OpenTelemetry TracerProvider, one's own included:
/// <c>services.AddOpenTelemetry().WithTracing(tracing => tracing.AddPulseTracing().AddOtlpExporter())</c>.
/// </summary>
public static class PulseTracerProviderBuilderExtensions
{
    /// <summary>Adds the request spans with default options.</summary>
    /// <param name="builder">The TracerProvider's builder.</param>
    /// <returns>The same builder.</returns>
    public static TracerProviderBuilder AddPulseTracing(this TracerProviderBuilder builder) =>
        builder.AddPulseTracing(configure: null);

    /// <summary>
    /// Adds a server span for every request (ASP.NET Core's own activity, completed by OpenTelemetry's ASP.NET Core
    /// instrumentation: route, method, status code, exception) and samples parent-based: a request carrying a W3C
    /// <c>traceparent</c> follows its caller's sampling decision, any other starts a trace kept with probability
    /// <see cref="TracingOptions.SamplingRatio"/> (by trace id). Requests to <see cref="HttpTelemetryOptions.ExcludedPaths"/>
    /// (the Prometheus exposition, with <c>AddPulseTelemetry()</c>) are not recorded. Database spans come from the
    /// database client's own instrumentation, which the application adds to the same builder. One per application,
    /// so its options have no name.
    /// </summary>
    /// <param name="builder">The TracerProvider's builder.</param>
    /// <param name="configure">Applied to <see cref="TracingOptions"/> (the sampling ratio).</param>
    /// <returns>The same builder.</returns>
    public static TracerProviderBuilder AddPulseTracing(this TracerProviderBuilder builder, Action<TracingOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureServices(services =>
        {
            var options = services.AddOptions<TracingOptions>();
            if (configure is not null)
            {
                options.Configure(configure);
            }

            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TracingOptions>, TracingOptionsValidator>());
            services.AddOptions<HttpTelemetryOptions>();
            services.AddOptions<AspNetCoreTraceInstrumentationOptions>().Configure<IOptions<HttpTelemetryOptions>>((aspNetCore, http) =>
            {
                // Scrapes (every 15 s from each Prometheus) would otherwise outnumber the service's own traces. The
                // filter runs before routing, so it goes by path; the activity stays, unrecorded, for log correlation.
                var excluded = new ExcludedPaths(http.Value.ExcludedPaths);
                aspNetCore.Filter = context => !excluded.Contains(context.Request.Path);
                aspNetCore.RecordException = true;
            });
        });

        builder.AddAspNetCoreInstrumentation();

        // Read through the monitor, so that a bad ratio stops the provider with the validator's message naming the
        // setting rather than the sampler's argument exception.
        return builder.SetSampler(sp => new ParentBasedSampler(new TraceIdRatioBasedSampler(
            sp.GetRequiredService<IOptionsMonitor<TracingOptions>>().Get(Options.DefaultName).SamplingRatio)));
    }
}
