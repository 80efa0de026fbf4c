using System.Net;
using Pulse.Testing;

namespace Pulse.Api.Tests;

/// <summary>Reads the service's own exposition the way Prometheus would.</summary>
internal static class MetricsScraper
{
    /// <summary>Longest a test waits for the measurements of requests it has made to be recorded.</summary>
    private static readonly TimeSpan RecordingLimit = TimeSpan.FromSeconds(10);

    public static async Task<IReadOnlyList<Sample>> ScrapeAsync(HttpClient client, string path = "/metrics")
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Scrapes until <paramref name="recorded"/> holds. ASP.NET Core records a request's duration (and so its
    /// count) after the response has completed, so the client can read the answer before it is measured.
    /// </summary>
    public static async Task<IReadOnlyList<Sample>> ScrapeUntilAsync(
        HttpClient client, Func<IReadOnlyList<Sample>, bool> recorded, string what, string path = "/metrics")
    {
        IReadOnlyList<Sample> samples = [];
        await Wait.UntilAsync(
            async () => recorded(samples = await ScrapeAsync(client, path)),
            RecordingLimit,
            what,
            TimeSpan.FromMilliseconds(20));
        return samples;
    }

    public static double Requests(IEnumerable<Sample> samples, string method, string endpoint, int status) =>
        PrometheusText.Sum(samples, "http_requests_total", ("method", method), ("endpoint", endpoint), ("status_code", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
