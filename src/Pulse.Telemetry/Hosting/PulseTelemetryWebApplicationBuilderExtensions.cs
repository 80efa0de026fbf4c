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
using OpenTelemetry.Trace;

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
    /// the section says. When <see cref="TracingOptions.Enabled"/> and an OTLP endpoint for traces is configured
    /// (<c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>, else <see cref="OtlpOptions.Endpoint"/>, else
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>), it also adds a TracerProvider with
    /// <see cref="PulseTracerProviderBuilderExtensions.AddPulseTracing(TracerProviderBuilder)"/> and an OTLP exporter;
    /// otherwise there is no TracerProvider at all. The OpenTelemetry resource's service name comes from
    /// OpenTelemetry's own settings (<c>OTEL_SERVICE_NAME</c>, then <c>service.name</c> in <c>OTEL_RESOURCE_ATTRIBUTES</c>),
    /// else from the EMF service name. With <c>Telemetry:Enabled=false</c> nothing is added, and
    /// <c>UsePulseHttpMetrics()</c> and <c>MapPulseMetrics()</c> add nothing either. Settings are validated when the
    /// host starts.
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
        services.AddOptions<TracingOptions>().Configure<IOptions<TelemetryOptions>>((tracing, section) => section.Value.Tracing.CopyTo(tracing));

        var openTelemetry = services.AddOpenTelemetry()
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

        // Spans only when they have somewhere to go: without an endpoint there is no TracerProvider, so no listener
        // samples ASP.NET Core's or the database client's activities.
        if (settings.Tracing.Enabled && OtlpTraces.HasEndpoint(settings, builder.Configuration))
        {
            var configuration = builder.Configuration;
            openTelemetry.WithTracing(tracing => tracing
                .AddPulseTracing()
                .AddOtlpExporter(exporter => OtlpTraces.Configure(exporter, settings.Otlp, configuration)));
        }

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

/// <summary>
/// Where spans go over OTLP. Most specific first: OpenTelemetry's traces-only variable, Pulse's endpoint for both
/// signals, OpenTelemetry's endpoint for every signal; each read from configuration, so environment variables and
/// the command line alike. The exporter reads the general variables itself (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>,
/// <c>_PROTOCOL</c>, <c>_HEADERS</c>, <c>_TIMEOUT</c>, and the batch settings <c>OTEL_BSP_*</c>) but not the
/// traces-only ones, so those and Pulse's endpoint are given to it explicitly.
/// </summary>
internal static class OtlpTraces
{
    public const string TracesEndpointVariable = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string TracesProtocolVariable = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";

    /// <summary>
    /// Whether spans have somewhere to go. A standard variable that is set must be an http or https address, and
    /// a protocol one of the specification's two binary transports.
    /// </summary>
    public static bool HasEndpoint(TelemetryOptions settings, IConfiguration configuration)
    {
        var failures = new List<string>();
        var endpoints = new[] { TracesEndpointVariable, EndpointVariable }.Where(v => IsSet(configuration, v)).ToList();
        foreach (var variable in endpoints)
        {
            if (!Uri.TryCreate(configuration[variable], UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"{variable} must be an absolute http or https address (got '{configuration[variable]}').");
            }
        }

        foreach (var variable in new[] { TracesProtocolVariable, ProtocolVariable }.Where(v => IsSet(configuration, v)))
        {
            if (Protocol(configuration[variable]) is null)
            {
                failures.Add($"{variable} must be http/protobuf or grpc (got '{configuration[variable]}').");
            }
        }

        return failures.Count > 0
            ? throw new OptionsValidationException(TracesEndpointVariable, typeof(TelemetryOptions), failures)
            : endpoints.Count > 0 || settings.Otlp.Endpoint is not null;
    }

    public static void Configure(OtlpExporterOptions exporter, OtlpOptions otlp, IConfiguration configuration)
    {
        var pulseProtocol = otlp.Protocol == OtlpProtocol.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        if (IsSet(configuration, TracesEndpointVariable))
        {
            // Used as given (the variable names the full URL, /v1/traces included), with its own protocol if set.
            exporter.Endpoint = new Uri(configuration[TracesEndpointVariable]!);
            exporter.Protocol = Protocol(configuration[TracesProtocolVariable]) ?? Protocol(configuration[ProtocolVariable]) ?? pulseProtocol;
        }
        else if (otlp.Endpoint is { } endpoint)
        {
            // A programmatic OTLP/HTTP endpoint is used as given, so it needs the signal path.
            exporter.Protocol = pulseProtocol;
            exporter.Endpoint = pulseProtocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath is "/" or ""
                ? new Uri(endpoint, "v1/traces")
                : endpoint;
        }
        else
        {
            // OTEL_EXPORTER_OTLP_ENDPOINT, which the exporter read (and appends /v1/traces to for HTTP). The transport is
            // the specification's default unless a variable names one (the .NET exporter's own default is gRPC).
            exporter.Protocol = Protocol(configuration[TracesProtocolVariable]) ?? Protocol(configuration[ProtocolVariable]) ?? pulseProtocol;
        }
    }

    private static bool IsSet(IConfiguration configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);

    private static OtlpExportProtocol? Protocol(string? value) => value?.Trim() switch
    {
        "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
        "grpc" => OtlpExportProtocol.Grpc,
        _ => null,
    };
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
