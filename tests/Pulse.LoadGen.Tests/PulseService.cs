using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Pulse.Testing;

namespace Pulse.LoadGen.Tests;

/// <summary>
/// The real service on a loopback port (Kestrel, not the in-memory test server): the load generator
/// talks to it over TCP exactly as it would to a deployed one. Its database is a throw-away SQLite file.
/// </summary>
public sealed class PulseService : WebApplicationFactory<global::Program>
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pulse-loadgen-tests-").FullName;

    public PulseService()
    {
        UseKestrel();
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Address = new Uri(addresses.First());
        Http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Where the service listens, e.g. <c>http://127.0.0.1:43121/</c>.</summary>
    public Uri Address { get; }

    /// <summary>A plain client of the service, for reading <c>/metrics</c> and listing rows.</summary>
    public HttpClient Http { get; }

    /// <summary>The service's <c>http_requests_total</c> samples right now.</summary>
    public async Task<IReadOnlyList<Sample>> RequestCountersAsync()
    {
        var text = await Http.GetStringAsync("/metrics");
        return [.. PrometheusText.Parse(text).Where(s => s.Name == "http_requests_total")];
    }

    /// <summary>
    /// For every endpoint of a generator summary, the service's <c>http_requests_total</c> grew by exactly the summary's
    /// count, per status code. The service records a request after its response is sent, so the last few may
    /// land a moment after the generator has read them: wait (with a limit) for the total, then compare.
    /// </summary>
    public async Task AssertCountedAsync(IReadOnlyList<Sample> before, JsonElement summary)
    {
        var endpoints = summary.GetProperty("endpoints").EnumerateArray().ToList();
        var total = summary.GetProperty("overall").GetProperty("count").GetInt64();
        Assert.True(total > 0, "the run sent nothing");
        IReadOnlyList<Sample> after = [];
        try
        {
            await Wait.UntilAsync(
                async () =>
                {
                    after = await RequestCountersAsync();
                    return endpoints.Sum(e => Delta(before, after, e.GetProperty("method").GetString()!, e.GetProperty("endpoint").GetString()!)) >= total;
                },
                TimeSpan.FromSeconds(10),
                $"the service to count {total} requests");
        }
        catch (TimeoutException)
        {
            // Compare anyway: the per-endpoint message below says which label differs.
        }

        var serviceSide = string.Join(", ", after
            .GroupBy(a => $"{a.Labels["method"]} {a.Labels["endpoint"]}")
            .Select(g => $"{g.Key}: {g.Sum(a => a.Value) - before.Where(b => $"{b.Labels["method"]} {b.Labels["endpoint"]}" == g.Key).Sum(b => b.Value)}")
            .Where(line => !line.EndsWith(": 0", StringComparison.Ordinal)));
        foreach (var endpoint in endpoints)
        {
            var method = endpoint.GetProperty("method").GetString()!;
            var route = endpoint.GetProperty("endpoint").GetString()!;
            var counted = Delta(before, after, method, route);
            Assert.True(
                endpoint.GetProperty("count").GetInt64() == counted,
                $"{method} {route}: generator {endpoint.GetProperty("count").GetInt64()}, service {counted} (the service counted {serviceSide})");
            foreach (var status in endpoint.GetProperty("statusCodes").EnumerateObject())
            {
                Assert.True(
                    status.Value.GetInt64() == Delta(before, after, method, route, status.Name),
                    $"{method} {route} {status.Name}: generator {status.Value.GetInt64()}, service {Delta(before, after, method, route, status.Name)}");
            }
        }
    }

    private static long Delta(IReadOnlyList<Sample> before, IReadOnlyList<Sample> after, string method, string route, string? status = null)
    {
        (string, string)[] labels = status is null
            ? [("method", method), ("endpoint", route)]
            : [("method", method), ("endpoint", route), ("status_code", status)];
        return (long)(PrometheusText.Sum(after, "http_requests_total", labels) - PrometheusText.Sum(before, "http_requests_total", labels));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("urls", $"http://127.0.0.1:{FreePort.Next()}");
        builder.UseSetting("Logging:LogLevel:Default", "Error");
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("Database:Sqlite:Path", Path.Combine(_directory, "pulse.db"));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Http.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the directory is under the temp folder.
            }
        }
    }
}
