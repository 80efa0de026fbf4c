using System.Diagnostics;
using Pulse.Testing;
using Pulse.Testing.Emf;

namespace Pulse.Telemetry.UserApp.Tests;

/// <summary>Pulse's request spans in a user's own TracerProvider, beside the user's own spans and exporter.</summary>
public sealed class ShopTracingTests
{
    [Fact]
    public async Task PulsesRequestSpanIsTheParentOfTheShopsOwnSpanAndBothReachTheShopsExporter()
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        var stdout = Console.Out;
        Console.SetOut(new CapturingWriter());
        var app = ShopService.Build(TimeProvider.System, receiver.TracesEndpoint);
        try
        {
            await app.StartAsync();
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(10) };
            (await client.PostAsJsonAsync("/orders", new Order("eu", 2))).Dispose();

            var request = await receiver.WaitForSpanAsync(s => s.Kind == ActivityKind.Server && s.Attribute("http.route") == "/orders", what: "the POST /orders span");
            var placing = await receiver.WaitForSpanAsync(s => s.Name == "place order", what: "the shop's own span");

            Assert.Equal(("POST /orders", "202", "shop"), (request.Name, request.Attribute("http.response.status_code"), request.ServiceName));
            Assert.Equal((request.TraceId, request.SpanId, "eu"), (placing.TraceId, placing.ParentSpanId, placing.Attribute("shop.region")));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Console.SetOut(stdout);
        }
    }
}
