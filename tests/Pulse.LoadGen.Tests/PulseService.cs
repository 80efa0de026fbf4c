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
