using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Pulse.Telemetry.Hosting;

namespace Pulse.Telemetry.UserApp.Tests;

/// <summary>
/// A user's service: its own meter and its own OpenTelemetry setup (resource, meter, a view of its own), to
/// which Pulse's HTTP metrics and exporters are added, each in one line, and two lines in the pipeline. With
/// <c>traces</c>, its own TracerProvider too: its own spans, Pulse's request spans, its own OTLP exporter.
/// </summary>
public static class ShopService
{
    public static WebApplication Build(TimeProvider clock, Uri? traces = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(clock);
        builder.Services.AddSingleton<OrderMetrics>();

        var openTelemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("shop"))
            .WithMetrics(metrics => metrics
                .AddMeter(OrderMetrics.MeterName)
                .AddView(OrderMetrics.ItemsName, new ExplicitBucketHistogramConfiguration { Boundaries = [1, 5] })
                .AddPulseHttpMetrics()
                .AddPulsePrometheus()
                .AddPulseEmf(emf =>
                {
                    emf.Namespace = "Shop";
                    emf.ServiceName = "shop";
                    emf.Meters.Add(OrderMetrics.MeterName);
                }));
        if (traces is not null)
        {
            openTelemetry.WithTracing(tracing => tracing
                .AddSource(OrderTracing.SourceName)
                .AddPulseTracing(options => options.SamplingRatio = 1)
                .AddOtlpExporter(otlp =>
                {
                    otlp.Endpoint = traces;
                    otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
                    otlp.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 100;
                }));
        }

        var app = builder.Build();
        app.UsePulseHttpMetrics();
        app.MapPost("/orders", (Order order, OrderMetrics metrics) =>
        {
            using var placing = OrderTracing.Source.StartActivity("place order");
            placing?.SetTag("shop.region", order.Region);
            metrics.Placed(order);
            return TypedResults.Accepted("/orders");
        });
        app.MapPulseMetrics().DisableHttpMetrics();
        return app;
    }
}

/// <summary>The shop's own spans.</summary>
public static class OrderTracing
{
    public const string SourceName = "Shop.Orders";

    public static ActivitySource Source { get; } = new(SourceName);
}

/// <summary>An order as the shop receives it.</summary>
public sealed record Order(string Region, int Items);

/// <summary>The shop's own instruments, created through the host's meter factory as .NET recommends.</summary>
public sealed class OrderMetrics
{
    public const string MeterName = "Shop.Orders";
    public const string PlacedName = "shop.orders.placed";
    public const string ItemsName = "shop.order.items";

    private readonly Counter<long> _placed;
    private readonly Histogram<int> _items;

    public OrderMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _placed = meter.CreateCounter<long>(PlacedName, "{order}", "Orders placed.");
        _items = meter.CreateHistogram<int>(ItemsName, "{item}", "Items per order.");
    }

    public void Placed(Order order)
    {
        var region = new KeyValuePair<string, object?>("shop.region", order.Region);
        _placed.Add(1, region);
        _items.Record(order.Items, region);
    }
}
