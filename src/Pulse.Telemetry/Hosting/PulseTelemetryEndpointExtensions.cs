using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pulse.Telemetry.Http;
using Pulse.Telemetry.Prometheus;

namespace Pulse.Telemetry.Hosting;

/// <summary>Where Pulse's telemetry meets the request pipeline: the HTTP metrics middleware and the scrape endpoint.</summary>
public static class PulseTelemetryEndpointExtensions
{
    private const string MiddlewareAdded = "Pulse.Telemetry.HttpMetricsMiddleware";

    /// <summary>
    /// Adds the middleware that measures requests for the HTTP metrics: requests in flight, body sizes, and the
    /// exclusions (<see cref="HttpTelemetryOptions.ExcludedPaths"/>, endpoints with <c>DisableHttpMetrics()</c>),
    /// which apply to ASP.NET Core's own request measurement too. Call it first, so that what the exception
    /// handler answers is measured as well. Adds nothing when <c>AddPulseTelemetry()</c> found telemetry turned
    /// off, and nothing the second time.
    /// </summary>
    /// <param name="app">The application's pipeline.</param>
    /// <returns>The same pipeline.</returns>
    /// <exception cref="InvalidOperationException">The HTTP metrics were not added to the MeterProvider.</exception>
    public static IApplicationBuilder UsePulseHttpMetrics(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var services = app.ApplicationServices;
        if (services.GetService<HttpInstruments>() is null)
        {
            return services.GetService<PulseTelemetryRegistration>() is { HttpMetrics: false }
                ? app
                : throw new InvalidOperationException(
                    "UsePulseHttpMetrics() measures for the HTTP metrics: add them with AddPulseTelemetry() or with services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPulseHttpMetrics()).");
        }

        return BenchmarkSwitches.Middleware && app.Properties.TryAdd(MiddlewareAdded, true) ? app.UseMiddleware<HttpMetricsMiddleware>() : app;
    }

    /// <summary>Serves the default Prometheus exporter's exposition.</summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <returns>The endpoint's convention builder, for <c>RequireAuthorization()</c> and the like.</returns>
    public static IEndpointConventionBuilder MapPulseMetrics(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPulseMetrics(name: null);

    /// <summary>
    /// Serves the exposition of the Prometheus exporter added with <c>AddPulsePrometheus(name)</c>, on its
    /// <see cref="PrometheusOptions.Path"/> for GET and HEAD, in the format the <c>Accept</c> header prefers
    /// (0.0.4 text, OpenMetrics 1.0.0 or protobuf), gzip when accepted. With <see cref="PrometheusOptions.Port"/> set, the
    /// endpoint answers only on that management port, the port answers nothing else (404), and nothing on it is
    /// measured. Maps nothing when <c>AddPulseTelemetry()</c> found the exposition turned off.
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="name">Name the exporter was added with; null for the default.</param>
    /// <returns>The endpoint's convention builder, for <c>RequireAuthorization()</c> and the like.</returns>
    /// <exception cref="InvalidOperationException">No Prometheus exporter of that name was added to the MeterProvider.</exception>
    public static IEndpointConventionBuilder MapPulseMetrics(this IEndpointRouteBuilder endpoints, string? name)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var optionsName = name ?? Options.DefaultName;
        var services = endpoints.ServiceProvider;
        if (services.GetKeyedService<PrometheusScraper>(optionsName) is not { } scraper)
        {
            return services.GetService<PulseTelemetryRegistration>() is { Prometheus: false }
                ? NoEndpoint.Instance
                : throw new InvalidOperationException(
                    $"MapPulseMetrics() serves a Prometheus exporter: add it with AddPulseTelemetry() or with services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPulsePrometheus({(name is null ? string.Empty : $"\"{name}\", null")})).");
        }

        var options = services.GetRequiredService<IOptionsMonitor<PrometheusOptions>>().Get(optionsName);
        var exposition = endpoints.Map(options.Path, new PrometheusEndpoint(scraper).HandleAsync)
            .WithDisplayName($"Prometheus exposition {options.Path}")
            .ExcludeFromDescription();

        if (options.Port is { } port)
        {
            var metadata = new ManagementPortMetadata(port);
            exposition.WithMetadata(metadata).DisableHttpMetrics();
            if (services.GetRequiredService<ManagementPorts>().Add(port))
            {
                // Whatever else is asked of the management port is not found, and not measured.
                endpoints.Map("{**path}", static context =>
                    {
                        context.Response.StatusCode = StatusCodes.Status404NotFound;
                        return Task.CompletedTask;
                    })
                    .WithDisplayName($"Nothing else on management port {port}")
                    .WithMetadata(metadata)
                    .DisableHttpMetrics()
                    .ExcludeFromDescription();
            }
        }

        return exposition;
    }

    /// <summary>The convention builder of an endpoint that was not mapped: conventions have nothing to apply to.</summary>
    private sealed class NoEndpoint : IEndpointConventionBuilder
    {
        public static NoEndpoint Instance { get; } = new();

        public void Add(Action<EndpointBuilder> convention)
        {
        }
    }
}

/// <summary>What <c>AddPulseTelemetry()</c> added, so that the pipeline's lines add nothing for what it turned off.</summary>
/// <param name="HttpMetrics">The HTTP metrics were added.</param>
/// <param name="Prometheus">The Prometheus exporter was added.</param>
internal sealed record PulseTelemetryRegistration(bool HttpMetrics, bool Prometheus);
