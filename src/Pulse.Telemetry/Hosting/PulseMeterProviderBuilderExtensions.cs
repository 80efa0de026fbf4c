using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Emf;
using Pulse.Telemetry.Http;
using Pulse.Telemetry.Process;
using Pulse.Telemetry.Prometheus;
using Pulse.Telemetry.Schema;

namespace Pulse.Telemetry.Hosting;

/// <summary>
/// Adds Pulse's measurements and exporters to an OpenTelemetry MeterProvider, one's own included:
/// <c>services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPulseHttpMetrics().AddPulsePrometheus().AddPulseEmf())</c>.
/// Each keeps the MeterProvider to this host's instruments: with several hosts in one process (tests), the
/// instruments that another host's <see cref="IMeterFactory"/> created are dropped, whatever their names.
/// </summary>
public static class PulseMeterProviderBuilderExtensions
{
    /// <summary>Adds the HTTP metrics with default options.</summary>
    /// <param name="builder">The MeterProvider's builder.</param>
    /// <returns>The same builder.</returns>
    public static MeterProviderBuilder AddPulseHttpMetrics(this MeterProviderBuilder builder) =>
        builder.AddPulseHttpMetrics(configure: null);

    /// <summary>
    /// Adds the HTTP metrics: ASP.NET Core's request duration aggregated once by method, endpoint and status
    /// code (from which <c>http_requests_total</c> and <c>http_request_duration_seconds</c> are both written),
    /// body sizes and requests in progress. Requests are measured by the middleware that
    /// <c>app.UsePulseHttpMetrics()</c> adds. One per application, so its options have no name.
    /// </summary>
    /// <param name="builder">The MeterProvider's builder.</param>
    /// <param name="configure">Applied to <see cref="HttpTelemetryOptions"/> (bucket bounds, excluded paths).</param>
    /// <returns>The same builder.</returns>
    public static MeterProviderBuilder AddPulseHttpMetrics(this MeterProviderBuilder builder, Action<HttpTelemetryOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureServices(services =>
        {
            var options = services.AddOptions<HttpTelemetryOptions>();
            if (configure is not null)
            {
                options.Configure(configure);
            }

            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HttpTelemetryOptions>, HttpTelemetryOptionsValidator>());
            services.TryAddSingleton<HostMeterScope>();
            services.TryAddSingleton<AddedParts>();
            services.TryAddSingleton<InFlightRequests>();
            services.TryAddSingleton<HttpInstruments>();
        });

        builder.AddMeter(PulseMetrics.AspNetCoreHostingMeterName, PulseMetrics.HttpMeterName);

        // The instruments exist from the moment the provider does, so the first scrape already has them.
        builder.AddInstrumentation(sp => sp.GetRequiredService<HttpInstruments>());
        AddRequestAggregation(builder);
        return AddHostScopedView(builder, "http", sp => HttpViews.Create(sp.GetRequiredService<IOptions<HttpTelemetryOptions>>().Value));
    }

    /// <summary>
    /// Adds the process metrics (CPU, memory, file descriptors, threads: <c>process_*</c>,
    /// <c>custom_process_*</c>) and the .NET runtime's own meter (<c>dotnet_*</c>), its <c>.count</c> gauges
    /// renamed so that Prometheus accepts them.
    /// </summary>
    /// <param name="builder">The MeterProvider's builder.</param>
    /// <returns>The same builder.</returns>
    public static MeterProviderBuilder AddPulseProcessMetrics(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureServices(services =>
        {
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<HostMeterScope>();
            services.TryAddSingleton<AddedParts>();
            services.TryAddSingleton<ProcessInstruments>();
        });

        builder.AddMeter(PulseMetrics.ProcessMeterName, PulseMetrics.RuntimeMeterName);
        builder.AddInstrumentation(sp => sp.GetRequiredService<ProcessInstruments>());
        return AddHostScopedView(builder, "process", _ => RuntimeViews.Select);
    }

    /// <summary>Adds the Prometheus exporter with default options.</summary>
    /// <param name="builder">The MeterProvider's builder.</param>
    /// <returns>The same builder.</returns>
    public static MeterProviderBuilder AddPulsePrometheus(this MeterProviderBuilder builder) =>
        builder.AddPulsePrometheus(name: null, configure: null);

    /// <summary>Adds the Prometheus exporter.</summary>
    /// <param name="builder">The MeterProvider's builder.</param>
    /// <param name="configure">Applied to the default <see cref="PrometheusOptions"/>.</param>
    /// <returns>The same builder.</returns>
    public static MeterProviderBuilder AddPulsePrometheus(this MeterProviderBuilder builder, Action<PrometheusOptions> configure) =>
        builder.AddPulsePrometheus(name: null, configure);

    /// <summary>
    /// Adds the Prometheus exporter: a pull reader whose collections are written, on each scrape, in the
    /// Prometheus text format 0.0.4, OpenMetrics 1.0.0 (with exemplars) or the protobuf format (with exemplars and
    /// the request duration's native histogram) with Pulse's HTTP schema. Served by
    /// <c>app.MapPulseMetrics(name)</c>. Defaults: path <c>/metrics</c>, no management port, exemplars and native
    /// histograms on.
    /// </summary>
    /// <param name="builder">The MeterProvider's builder.</param>
    /// <param name="name">Name of the options (and of the endpoint that serves this exporter); null for the default.</param>
    /// <param name="configure">Applied to the named <see cref="PrometheusOptions"/>.</param>
    /// <returns>The same builder.</returns>
    public static MeterProviderBuilder AddPulsePrometheus(this MeterProviderBuilder builder, string? name, Action<PrometheusOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var optionsName = name ?? Options.DefaultName;
        builder.ConfigureServices(services =>
        {
            var options = services.AddOptions<PrometheusOptions>(optionsName);
            if (configure is not null)
            {
                options.Configure(configure);
            }

            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PrometheusOptions>, PrometheusOptionsValidator>());
            services.TryAddSingleton<HostMeterScope>();
            services.TryAddSingleton<AddedParts>();
            services.TryAddKeyedSingleton(optionsName, (sp, _) => new PrometheusScraper(
                sp.GetService<RequestAggregation>(), sp.GetRequiredService<IOptionsMonitor<PrometheusOptions>>().Get(optionsName)));

            // What this exporter writes, the request aggregation keeps.
            services.AddOptions<HttpTelemetryOptions>().Configure<IOptionsMonitor<PrometheusOptions>>((http, prometheus) =>
            {
                var settings = prometheus.Get(optionsName);
                http.RecordExemplars |= settings.Exemplars;
                http.KeepExponential |= settings.NativeHistograms;
            });
            services.TryAddSingleton<ManagementPorts>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, ManagementPortPolicy>());
        });

        Deferred(builder).Configure((sp, configured) =>
        {
            if (sp.GetRequiredService<AddedParts>().Claim($"prometheus/{optionsName}"))
            {
                // Validated here, so bad options stop the provider from starting rather than the first scrape.
                _ = sp.GetRequiredService<IOptionsMonitor<PrometheusOptions>>().Get(optionsName);
                configured.AddReader(sp.GetRequiredKeyedService<PrometheusScraper>(optionsName).Reader);
            }
        });
        return AddHostScopedView(builder, "scope", ThisHostOnly);
    }

    /// <summary>Adds the CloudWatch EMF exporter with default options.</summary>
    /// <param name="builder">The MeterProvider's builder.</param>
    /// <returns>The same builder.</returns>
    public static MeterProviderBuilder AddPulseEmf(this MeterProviderBuilder builder) =>
        builder.AddPulseEmf(name: null, configure: null);

    /// <summary>Adds the CloudWatch EMF exporter.</summary>
    /// <param name="builder">The MeterProvider's builder.</param>
    /// <param name="configure">Applied to the default <see cref="EmfOptions"/>.</param>
    /// <returns>The same builder.</returns>
    public static MeterProviderBuilder AddPulseEmf(this MeterProviderBuilder builder, Action<EmfOptions> configure) =>
        builder.AddPulseEmf(name: null, configure);

    /// <summary>
    /// Adds the CloudWatch EMF exporter: documents on stdout with the request metrics (Aggregated: per
    /// interval and endpoint; PerRequest: one per request) and the metrics of <see cref="EmfOptions.Meters"/>.
    /// It runs as a hosted service of its own, writes the partial interval when the host stops, and counts its
    /// documents in <c>emf_documents_written_total</c> and <c>emf_documents_dropped_total</c>, which this
    /// MeterProvider exports. Defaults: Aggregated, one-minute intervals, namespace <c>Pulse/App</c> and service
    /// <c>pulse-api</c>; the environment variables <c>AWS_EMF_NAMESPACE</c> and <c>AWS_EMF_SERVICE_NAME</c>,
    /// when set, override the namespace and service.
    /// </summary>
    /// <param name="builder">The MeterProvider's builder.</param>
    /// <param name="name">Name of the options (each name is one exporter); null for the default.</param>
    /// <param name="configure">Applied to the named <see cref="EmfOptions"/>.</param>
    /// <returns>The same builder.</returns>
    public static MeterProviderBuilder AddPulseEmf(this MeterProviderBuilder builder, string? name, Action<EmfOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var optionsName = name ?? Options.DefaultName;
        builder.ConfigureServices(services =>
        {
            var options = services.AddOptions<EmfOptions>(optionsName);
            if (configure is not null)
            {
                options.Configure(configure);
            }

            options.PostConfigure<IConfiguration>(ApplyEmfEnvironment);
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmfOptions>, EmfOptionsValidator>());
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<HostMeterScope>();
            services.TryAddSingleton<AddedParts>();
            services.TryAddSingleton(EmfTarget.Stdout);
            services.TryAddSingleton<EcsTaskMetadata>();
            services.TryAddSingleton<EmfCounters>();

            // A per-request exporter needs each request's id and trace id, which the HTTP metrics middleware adds.
            services.AddOptions<HttpTelemetryOptions>().Configure<IOptionsMonitor<EmfOptions>>((http, emf) =>
            {
                var settings = emf.Get(optionsName);
                http.TagRequestIdentity |= settings.Enabled && settings.Mode == EmfMode.PerRequest;
            });

            if (services.Any(d => d.IsKeyedService && d.ServiceType == typeof(EmfExporter) && Equals(d.ServiceKey, optionsName)))
            {
                return;
            }

            services.AddKeyedSingleton(optionsName, (sp, _) => new EmfOutput(
                sp.GetRequiredService<EmfTarget>(),
                sp.GetRequiredService<IOptionsMonitor<EmfOptions>>().Get(optionsName).QueueCapacity,
                sp.GetRequiredService<EmfCounters>(),
                sp.GetRequiredService<ILogger<EmfOutput>>()));
            services.AddKeyedSingleton(optionsName, (sp, _) => new EmfExporter(
                sp.GetRequiredService<IOptionsMonitor<EmfOptions>>().Get(optionsName),
                sp.GetRequiredKeyedService<EmfOutput>(optionsName),
                sp.GetRequiredService<HostMeterScope>(),
                sp.GetService<RequestAggregation>(),
                sp.GetService<InFlightRequests>(),
                sp.GetRequiredService<EcsTaskMetadata>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<EmfExporter>>()));
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<EmfExporter>(optionsName));
        });

        builder.AddMeter(PulseMetrics.EmfMeterName);
        builder.AddInstrumentation(sp => sp.GetRequiredService<EmfCounters>());

        // Aggregated mode reads the request aggregation, with or without the HTTP metrics.
        AddRequestAggregation(builder);
        return AddHostScopedView(builder, "scope", ThisHostOnly);
    }

    /// <summary>
    /// The host's one aggregation of the request measurements (durations from the hosting layer's measurement,
    /// sizes from the middleware), read by every Pulse exporter, and the listener that feeds it: once, whichever
    /// part adds it. Bucket bounds are the HTTP metrics' options (their defaults when they were not added).
    /// </summary>
    private static void AddRequestAggregation(MeterProviderBuilder builder)
    {
        builder.ConfigureServices(services =>
        {
            services.AddOptions<HttpTelemetryOptions>();
            services.TryAddSingleton<HostMeterScope>();
            services.TryAddSingleton<AddedParts>();
            services.TryAddSingleton(sp =>
            {
                var http = sp.GetRequiredService<IOptions<HttpTelemetryOptions>>().Value;
                return new RequestAggregation(
                    http.DurationBuckets.Count > 0 ? http.DurationBuckets : PulseMetrics.Http.DefaultDurationBuckets,
                    http.SizeBuckets.Count > 0 ? http.SizeBuckets : PulseMetrics.Http.DefaultSizeBuckets,
                    exemplars: http.RecordExemplars,
                    cumulativeExponential: http.KeepExponential,
                    clock: sp.GetService<TimeProvider>());
            });
            services.TryAddSingleton<HttpRequestListener>();
        });

        // Started with the provider, and disposed with it.
        Deferred(builder).Configure((sp, configured) =>
        {
            if (sp.GetRequiredService<AddedParts>().Claim("request-listener"))
            {
                configured.AddInstrumentation(() => sp.GetRequiredService<HttpRequestListener>());
            }
        });
    }

    /// <summary>A view that changes nothing: with <see cref="AddHostScopedView"/>, it only drops another host's instruments.</summary>
    private static Func<Instrument, MetricStreamConfiguration?> ThisHostOnly(IServiceProvider services) => static _ => null;

    /// <summary>The namespace and service name come from the environment variables the AWS EMF libraries read, when set.</summary>
    internal static void ApplyEmfEnvironment(EmfOptions options, IConfiguration configuration)
    {
        if (configuration[EmfMetrics.NamespaceVariable] is { } @namespace)
        {
            options.Namespace = @namespace;
        }

        if (configuration[EmfMetrics.ServiceNameVariable] is { } service)
        {
            options.ServiceName = service;
        }
    }

    /// <summary>
    /// Adds a view that drops every instrument of another host's meter factory (several hosts in one process
    /// publish instruments of the same names, and every listener sees them all) and applies
    /// <paramref name="createView"/> to this host's. Once per <paramref name="part"/>: a part added twice
    /// would otherwise aggregate its streams twice.
    /// </summary>
    private static MeterProviderBuilder AddHostScopedView(
        MeterProviderBuilder builder, string part, Func<IServiceProvider, Func<Instrument, MetricStreamConfiguration?>> createView)
    {
        Deferred(builder).Configure((sp, configured) =>
        {
            if (!sp.GetRequiredService<AddedParts>().Claim($"view/{part}"))
            {
                return;
            }

            var scope = sp.GetRequiredService<HostMeterScope>();
            var view = createView(sp);
            configured.AddView(instrument => scope.IsFromOtherHost(instrument) ? MetricStreamConfiguration.Drop : view(instrument));
        });
        return builder;
    }

    private static IDeferredMeterProviderBuilder Deferred(MeterProviderBuilder builder) =>
        builder as IDeferredMeterProviderBuilder
        ?? throw new NotSupportedException("Pulse's metrics need a MeterProvider builder with services: services.AddOpenTelemetry().WithMetrics(...) or Sdk.CreateMeterProviderBuilder().");

    /// <summary>The parts already added to this host's MeterProvider, so that adding one twice adds it once.</summary>
    private sealed class AddedParts
    {
        private readonly HashSet<string> _parts = new(StringComparer.Ordinal);

        public bool Claim(string part)
        {
            lock (_parts)
            {
                return _parts.Add(part);
            }
        }
    }
}
