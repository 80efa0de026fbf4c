using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Pulse.Peers;

// OpenTelemetry's documented setup: ASP.NET Core and runtime instrumentation, the Prometheus exporter's endpoint.
var builder = PeerApp.CreateBuilder(args);
builder.Services.AddOpenTelemetry()
    .ConfigureResource(resource => resource.AddService("peer"))
    .WithMetrics(metrics => metrics
        .AddAspNetCoreInstrumentation()
        .AddRuntimeInstrumentation()
        .AddPrometheusExporter());
var app = builder.Build();
PeerApp.MapRoutes(app);
app.MapPrometheusScrapingEndpoint();
app.Run();
