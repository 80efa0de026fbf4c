using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Pulse.Telemetry.Emf;
using Pulse.Telemetry.Http;
using Pulse.Telemetry.Process;
using Pulse.Telemetry.Prometheus;

namespace Pulse.Telemetry;

/// <summary>Registers Pulse telemetry with one call on the application builder.</summary>
public static class TelemetryWebApplicationBuilderExtensions
{
    /// <summary>Adds Pulse telemetry configured from the <c>Telemetry</c> section.</summary>
    /// <param name="builder">The application builder.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddPulseTelemetry(this WebApplicationBuilder builder) =>
        builder.AddPulseTelemetry(static _ => { });

    /// <summary>
    /// Adds Pulse telemetry: HTTP, process and runtime measurements aggregated by the OpenTelemetry SDK,
    /// the Prometheus exposition (optionally on a management port), CloudWatch EMF documents on stdout
    /// (unless <c>Telemetry:Emf:Enabled=false</c>) and OTLP export when an endpoint is set.
    /// With <c>Telemetry:Enabled=false</c> nothing is added.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="configure">Applied after the <c>Telemetry</c> section is bound.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddPulseTelemetry(this WebApplicationBuilder builder, Action<TelemetryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);

        var services = builder.Services;
        services.AddOptions<TelemetryOptions>()
            .BindConfiguration(TelemetryOptions.SectionName)
            .Configure(configure)
            .PostConfigure(ApplyDefaults)
            .PostConfigure<IConfiguration>(ApplyEmfEnvironment)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, EmfOptionsValidator>());

        // Read once here as well: whether to add anything at all, and which extra port to listen on.
        var settings = new TelemetryOptions();
        builder.Configuration.GetSection(TelemetryOptions.SectionName).Bind(settings);
        configure(settings);
        if (!settings.Enabled)
        {
            return builder;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HostMeterScope>();
        services.TryAddSingleton<InFlightRequests>();
        services.TryAddSingleton<HttpInstruments>();
        services.TryAddSingleton<ProcessInstruments>();
        services.TryAddSingleton<PrometheusScraper>();
        services.TryAddSingleton<PrometheusEndpoint>();
        services.AddHostedService(sp =>
        {
            // The instruments exist before the provider starts listening.
            sp.GetRequiredService<HttpInstruments>();
            sp.GetRequiredService<ProcessInstruments>();
            return ActivatorUtilities.CreateInstance<PulseMeterProvider>(sp);
        });
        services.TryAddEnumerable(ServiceDescriptor.Transient<Microsoft.AspNetCore.Hosting.IStartupFilter, TelemetryStartupFilter>());

        if (settings.Emf.Enabled)
        {
            services.TryAddSingleton(EmfTarget.Stdout);
            services.TryAddSingleton<EmfOutput>();
            services.TryAddSingleton<EcsTaskMetadata>();
            services.AddHostedService<EmfExporter>();
        }

        if (settings.Prometheus.Enabled && settings.Prometheus.Port is { } port)
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

    /// <summary>The namespace and service name come from the environment variables the seed uses.</summary>
    private static void ApplyEmfEnvironment(TelemetryOptions options, IConfiguration configuration)
    {
        if (configuration[EmfMetrics.NamespaceVariable] is { } @namespace)
        {
            options.Emf.Namespace = @namespace;
        }

        if (configuration[EmfMetrics.ServiceNameVariable] is { } service)
        {
            options.Emf.ServiceName = service;
        }
    }

    private static void AddAll<T>(IList<T> target, IEnumerable<T> items)
    {
        foreach (var item in items)
        {
            target.Add(item);
        }
    }

    private sealed class TelemetryStartupFilter : Microsoft.AspNetCore.Hosting.IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseMiddleware<HttpTelemetryMiddleware>();
            next(app);
        };
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
