using System.Globalization;
using System.Net;
using Pulse.Testing;
using Pulse.Testing.Emf;

// The EMF exporter writes to the process's stdout, which these tests capture: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Pulse.Telemetry.UserApp.Tests;

/// <summary>The shop's own metrics, as Pulse's exporters write them: the Prometheus exposition and EMF on stdout, exact text.</summary>
public sealed class ShopServiceTests
{
    [Fact]
    public async Task TheShopsOwnMetricsAreInTheExpositionBesidePulsesHttpMetrics()
    {
        await using var shop = await ShopRun.StartAsync();
        await shop.PlaceAsync(new Order("eu", 1));
        await shop.PlaceAsync(new Order("eu", 4));

        // The HTTP duration is recorded once the response has completed: wait for both orders.
        const string posts = "http_requests_total{method=\"POST\",endpoint=\"/orders\",status_code=\"202\"} 2\n";
        await Wait.UntilAsync(async () => (await shop.Client.GetStringAsync("/metrics")).Contains(posts, StringComparison.Ordinal), TimeSpan.FromSeconds(10), "both orders to be counted");
        var exposition = await shop.Client.GetStringAsync("/metrics");

        // The shop's own view sets its histogram's buckets; Pulse names and writes the families.
        Assert.Equal(
            """
            # HELP shop_orders_placed_total Orders placed.
            # TYPE shop_orders_placed_total counter
            shop_orders_placed_total{shop_region="eu"} 2
            # HELP shop_order_items Items per order.
            # TYPE shop_order_items histogram
            shop_order_items_bucket{shop_region="eu",le="1"} 1
            shop_order_items_bucket{shop_region="eu",le="5"} 2
            shop_order_items_bucket{shop_region="eu",le="+Inf"} 2
            shop_order_items_sum{shop_region="eu"} 5
            shop_order_items_count{shop_region="eu"} 2

            """,
            Lines(exposition, "shop_"));
        Assert.Contains(posts, exposition, StringComparison.Ordinal);

        // The scrape endpoint is kept out of the HTTP metrics with ASP.NET Core's own DisableHttpMetrics().
        Assert.DoesNotContain("endpoint=\"/metrics\"", exposition, StringComparison.Ordinal);
    }

    [RequiresToolsFact("node", "npm")]
    public async Task TheShopsOwnMetricsAreOneEmfDocumentPerAttributeSetWhenTheIntervalEnds()
    {
        string[] lines;
        long intervalStart;
        await using (var shop = await ShopRun.StartAsync())
        {
            intervalStart = shop.IntervalStart;
            await shop.PlaceAsync(new Order("eu", 1));
            await shop.PlaceAsync(new Order("eu", 4));
            await shop.PlaceAsync(new Order("us", 2));
            await shop.StopAsync();
            lines = [.. shop.Stdout.Lines];
        }

        var stamp = intervalStart.ToString(CultureInfo.InvariantCulture);
        string[] shopLines = [.. lines.Where(l => l.Contains("shop.orders.placed", StringComparison.Ordinal))];

        // Counters are the interval's delta; a histogram is its exponential buckets' midpoints (scale 5) within the
        // recorded min and max: 1 is in the bucket (2^(-1/32), 1], whose midpoint 0.989 is raised to the minimum 1;
        // 4 is in (2^(63/32), 4], midpoint (2^(63/32) + 4) / 2 = 3.95714 to six digits; 2 alone is its own min and max.
        Assert.Equal(
            [
                "{\"_aws\":{\"Timestamp\":" + stamp + ",\"CloudWatchMetrics\":[{\"Namespace\":\"Shop\",\"Dimensions\":[[\"Service\",\"shop.region\"]],"
                    + "\"Metrics\":[{\"Name\":\"shop.orders.placed\",\"Unit\":\"Count\"},{\"Name\":\"shop.order.items\",\"Unit\":\"Count\"}]}]},"
                    + "\"Service\":\"shop\",\"shop.region\":\"eu\",\"shop.orders.placed\":2,"
                    + "\"shop.order.items\":{\"Values\":[3.95714,1],\"Counts\":[1,1],\"Max\":4,\"Min\":1,\"Count\":2,\"Sum\":5}}",
                "{\"_aws\":{\"Timestamp\":" + stamp + ",\"CloudWatchMetrics\":[{\"Namespace\":\"Shop\",\"Dimensions\":[[\"Service\",\"shop.region\"]],"
                    + "\"Metrics\":[{\"Name\":\"shop.orders.placed\",\"Unit\":\"Count\"},{\"Name\":\"shop.order.items\",\"Unit\":\"Count\"}]}]},"
                    + "\"Service\":\"shop\",\"shop.region\":\"us\",\"shop.orders.placed\":1,"
                    + "\"shop.order.items\":{\"Values\":[2],\"Counts\":[1],\"Max\":2,\"Min\":2,\"Count\":1,\"Sum\":2}}",
            ],
            shopLines);

        // Pulse's own request documents go out under the shop's namespace and service, beside them.
        Assert.Contains(lines, l => l.Contains("\"Endpoint\":\"/orders\",\"EndpointInvocations\":3", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Contains("\"Namespace\":\"Shop\"", l, StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Empty(EmfRules.Check(l, DateTimeOffset.UtcNow)));
        await EmfSchema.AssertValidAsync(lines);
    }

    private static string Lines(string exposition, string prefix) =>
        string.Concat(exposition.Split('\n').Where(l => l.Contains(prefix, StringComparison.Ordinal)).Select(l => l + "\n"));

    /// <summary>The shop on a loopback port, its stdout captured and its clock stopped inside the current minute.</summary>
    private sealed class ShopRun : IAsyncDisposable
    {
        private readonly TextWriter _stdout;
        private readonly WebApplication _app;
        private bool _stopped;

        private ShopRun(WebApplication app, TextWriter stdout, CapturingWriter captured, long intervalStart)
        {
            _app = app;
            _stdout = stdout;
            Stdout = captured;
            IntervalStart = intervalStart;
            Client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(10) };
        }

        public CapturingWriter Stdout { get; }

        public HttpClient Client { get; }

        /// <summary>Start of the EMF interval the stopped clock is in (one-minute intervals).</summary>
        public long IntervalStart { get; }

        public static async Task<ShopRun> StartAsync()
        {
            var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var intervalStart = nowMs - (nowMs % 60_000);
            var stdout = Console.Out;
            var captured = new CapturingWriter();
            Console.SetOut(captured);
            var app = ShopService.Build(new StoppedClock(DateTimeOffset.FromUnixTimeMilliseconds(intervalStart + 30_000)));
            await app.StartAsync();
            return new ShopRun(app, stdout, captured, intervalStart);
        }

        public async Task PlaceAsync(Order order)
        {
            using var response = await Client.PostAsJsonAsync("/orders", order);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        /// <summary>Stops the host: the EMF exporter writes the partial interval.</summary>
        public async Task StopAsync()
        {
            _stopped = true;
            await _app.StopAsync();
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            if (!_stopped)
            {
                await _app.StopAsync();
            }

            await _app.DisposeAsync();
            Console.SetOut(_stdout);
            Stdout.Dispose();
        }
    }

    private sealed class StoppedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
