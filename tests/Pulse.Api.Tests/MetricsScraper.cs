using System.Net;
using Pulse.Testing;

namespace Pulse.Api.Tests;

/// <summary>Reads the service's own exposition the way Prometheus would.</summary>
internal static class MetricsScraper
{
    public static async Task<IReadOnlyList<Sample>> ScrapeAsync(HttpClient client, string path = "/metrics")
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    public static double Requests(IEnumerable<Sample> samples, string method, string endpoint, int status) =>
        PrometheusText.Sum(samples, "http_requests_total", ("method", method), ("endpoint", endpoint), ("status_code", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
