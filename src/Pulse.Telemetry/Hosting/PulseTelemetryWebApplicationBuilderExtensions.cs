using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Pulse.Telemetry.Hosting;

/// <summary>Pulse's whole telemetry from the <c>Telemetry</c> configuration section, with one call.</summary>
public static class PulseTelemetryWebApplicationBuilderExtensions
{
    /// <summary>Adds Pulse telemetry configured from the <c>Telemetry</c> section.</summary>
    /// <param name="builder">The application builder.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddPulseTelemetry(this WebApplicationBuilder builder) =>
        builder.AddPulseTelemetry(static _ => { });

    /// <summary>
    /// Adds Pulse telemetry to the application's OpenTelemetry MeterProvider
    /// (<c>services.AddOpenTelemetry().WithMetrics(...)</c>, the same one any other code of the application
    /// configures): <see cref="PulseMeterProviderBuilderExtensions.AddPulseHttpMetrics(MeterProviderBuilder)"/>,
    /// <see cref="PulseMeterProviderBuilderExtensions.AddPulseProcessMetrics"/>, the meters of
    /// <see cref="TelemetryOptions.AdditionalMeters"/>, the Prometheus exporter (listening on the management port
    /// when one is set), the CloudWatch EMF exporter and OTLP export when an endpoint is set, each as its part of
    /// the section says. The OpenTelemetry resource's service name comes from OpenTelemetry's own settings
    /// (<c>OTEL_SERVICE_NAME</c>, then <c>service.name</c> in <c>OTEL_RESOURCE_ATTRIBUTES</c>), else from the EMF
    /// service name. With <c>Telemetry:Enabled=false</c> nothing is added, and <c>UsePulseHttpMetrics()</c> and
    /// <c>MapPulseMetrics()</c> add nothing either. Settings are validated when the host starts.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="configure">Applied after the <c>Telemetry</c> section is bound.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddPulseTelemetry(this WebApplicationBuilder builder, Action<TelemetryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);

        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(PulseTelemetryRegistration)))
        {
            // Added already: what to add was decided then, and a second set of the same parts would measure
            // everything twice. The settings still apply.
            services.Configure(configure);
            return builder;
        }

        services.AddOptions<TelemetryOptions>()
            .BindConfiguration(TelemetryOptions.SectionName)
            .Configure(configure)
            .PostConfigure(ApplyDefaults)
            .PostConfigure<IConfiguration>((options, configuration) => PulseMeterProviderBuilderExtensions.ApplyEmfEnvironment(options.Emf, configuration))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());

        // Read once here as well: what to add at all, and which extra port to listen on.
        var settings = new TelemetryOptions();
        builder.Configuration.GetSection(TelemetryOptions.SectionName).Bind(settings);
        configure(settings);
        ApplyDefaults(settings);
        PulseMeterProviderBuilderExtensions.ApplyEmfEnvironment(settings.Emf, builder.Configuration);
        var prometheus = settings.Enabled && settings.Prometheus.Enabled;
        services.AddSingleton(new PulseTelemetryRegistration(HttpMetrics: settings.Enabled, Prometheus: prometheus));
        if (!settings.Enabled)
        {
            return builder;
        }

        // Each part's options are the section's, as validated above.
        services.AddOptions<HttpTelemetryOptions>().Configure<IOptions<TelemetryOptions>>((http, section) =>
        {
            section.Value.Http.CopyTo(http);

            // OTLP export reads the MeterProvider's streams: the SDK aggregates the request measurements for it.
            http.AggregateInSdk |= section.Value.Otlp.Endpoint is not null;
        });
        services.AddOptions<PrometheusOptions>().Configure<IOptions<TelemetryOptions>>((exposition, section) => section.Value.Prometheus.CopyTo(exposition));
        services.AddOptions<EmfOptions>().Configure<IOptions<TelemetryOptions>>((emf, section) => section.Value.Emf.CopyTo(emf));

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(settings.Emf.ServiceName)

                // After AddService, so that OpenTelemetry's own settings win over the EMF service name.
                .AddEnvironmentVariableDetector())
            .WithMetrics(metrics =>
            {
                metrics.SetExemplarFilter(ExemplarFilterType.AlwaysOff)
                    .AddPulseHttpMetrics();
                if (BenchmarkSwitches.Process)
                {
                    metrics.AddPulseProcessMetrics();
                }

                ((IDeferredMeterProviderBuilder)metrics).Configure((sp, configured) =>
                    configured.AddMeter([.. sp.GetRequiredService<IOptions<TelemetryOptions>>().Value.AdditionalMeters]));

                if (prometheus)
                {
                    metrics.AddPulsePrometheus();
                }

                if (settings.Emf.Enabled)
                {
                    metrics.AddPulseEmf();
                }

                if (settings.Otlp.Endpoint is { } endpoint)
                {
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        exporter.Protocol = settings.Otlp.Protocol == OtlpProtocol.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;

                        // A programmatic OTLP/HTTP endpoint is used as given, so it needs the signal path.
                        exporter.Endpoint = exporter.Protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath is "/" or ""
                            ? new Uri(endpoint, "v1/metrics")
                            : endpoint;
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)settings.Otlp.ExportInterval.TotalMilliseconds;
                        reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
                    });
                }
            });

        if (prometheus && settings.Prometheus.Port is { } port)
        {
            ManagementPort.Listen(builder.WebHost, port);
        }

        return builder;
    }

    private static void ApplyDefaults(TelemetryOptions options)
    {
        if (options.Http.DurationBuckets.Count == 0)
        {
            AddAll(options.Http.DurationBuckets, PulseMetrics.Http.DefaultDurationBuckets);
        }

        if (options.Http.SizeBuckets.Count == 0)
        {
            AddAll(options.Http.SizeBuckets, PulseMetrics.Http.DefaultSizeBuckets);
        }

        if (options.Http.ExcludedPaths.Count == 0)
        {
            options.Http.ExcludedPaths.Add(options.Prometheus.Path);
        }
    }

    private static void AddAll<T>(IList<T> target, IEnumerable<T> items)
    {
        foreach (var item in items)
        {
            target.Add(item);
        }
    }
}

/// <summary>Adds the management port to the addresses the server listens on.</summary>
internal static class ManagementPort
{
    /// <summary>Where Kestrel listens when no address, port or endpoint is configured.</summary>
    public const string KestrelDefaultUrl = "http://localhost:5000";

    public static void Listen(IWebHostBuilder webHost, int port)
    {
        var urls = webHost.GetSetting(WebHostDefaults.ServerUrlsKey);
        if (string.IsNullOrWhiteSpace(urls))
        {
            // ASPNETCORE_HTTP_PORTS and ASPNETCORE_HTTPS_PORTS (the official container images set the first), and
            // Kestrel's default address when nothing is set, are ignored once urls are set: carry them over.
            string[] fromPorts = [.. Ports(webHost, WebHostDefaults.HttpPortsKey, "http"), .. Ports(webHost, WebHostDefaults.HttpsPortsKey, "https")];
            urls = fromPorts.Length > 0 ? string.Join(';', fromPorts) : KestrelDefaultUrl;
        }

        var addresses = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var parsed = addresses.Select(BindingAddress.Parse).ToList();
        if (parsed.Any(a => a.Port == port))
        {
            throw new OptionsValidationException(
                nameof(TelemetryOptions), typeof(TelemetryOptions),
                [$"Telemetry:Prometheus:Port ({port}) must differ from the service's own port ({urls})."]);
        }

        // The management port listens on the same interface as the service.
        var host = parsed.FirstOrDefault()?.Host ?? "localhost";
        webHost.UseUrls([.. addresses, $"http://{host}:{port}"]);
    }

    private static IEnumerable<string> Ports(IWebHostBuilder webHost, string key, string scheme) =>
        (webHost.GetSetting(key) ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(port => $"{scheme}://*:{port}");
}
