using System.Net.Http.Headers;

namespace Pulse.Api.Tests;

/// <summary>A scanner must not be able to grow the number of series.</summary>
public sealed class CardinalityTests(PulseApiFactory factory) : IClassFixture<PulseApiFactory>
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"];

    [Fact]
    public async Task ThousandsOfRandomPathsAndMethodsLeaveLabelValuesBounded()
    {
        var client = factory.CreateClient();
        var random = new Random(20261122);
        await Parallel.ForAsync(0, 3000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, cancellationToken) =>
        {
            var method = i % 3 == 0 ? RandomToken(random, 3 + (i % 5)).ToUpperInvariant() : Methods[i % Methods.Length];
            var path = $"/{RandomToken(random, 8)}/{i}/{Uri.EscapeDataString(RandomToken(random, 5))}?q={i}";
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            (await client.SendAsync(request, cancellationToken)).Dispose();
        });

        // The last requests are measured once their responses have completed, a moment after the client has them.
        var samples = await MetricsScraper.ScrapeUntilAsync(
            client, s => s.Where(x => x.Name == "http_requests_total").Sum(x => x.Value) >= 3000, "the 3,000 requests to be counted");
        var http = samples.Where(s => s.Name.StartsWith("http_", StringComparison.Ordinal) && s.Labels.ContainsKey("endpoint")).ToList();

        var endpoints = http.Select(s => s.Labels["endpoint"]).ToHashSet();
        var methods = http.Select(s => s.Labels["method"]).ToHashSet();
        Assert.Equal(new HashSet<string> { "unmatched" }, endpoints.Where(e => !e.StartsWith('/')).ToHashSet());
        Assert.Subset(Routes(), endpoints.Where(e => e.StartsWith('/')).ToHashSet());
        Assert.Subset(new HashSet<string>([.. Telemetry.PulseMetrics.KnownMethods, Telemetry.PulseMetrics.OtherMethod]), methods);
        Assert.Contains("OTHER", methods);

        // Every request was counted, in a bounded number of series.
        Assert.Equal(3000, http.Where(s => s.Name == "http_requests_total").Sum(s => s.Value));
        Assert.True(http.Count(s => s.Name == "http_requests_total") <= 10 * 5, "series of http_requests_total");
    }

    private HashSet<string> Routes() =>
        factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .ToHashSet();

    private static string RandomToken(Random random, int length)
    {
        lock (random)
        {
            return string.Create(length, random, static (span, r) =>
            {
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = (char)('a' + r.Next(26));
                }
            });
        }
    }
}
