using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Pulse.Testing;

namespace Pulse.Slo.Tests;

/// <summary>The real service on a loopback port (Kestrel), on a throw-away SQLite file.</summary>
public sealed class LiveService : WebApplicationFactory<global::Program>
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pulse-slo-live-").FullName;

    public LiveService()
    {
        UseKestrel();
        StartServer();
        Address = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>Where the service listens, e.g. <c>http://127.0.0.1:43121/</c>.</summary>
    public Uri Address { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("urls", $"http://127.0.0.1:{FreePort.Next()}");
        builder.UseSetting("Logging:LogLevel:Default", "Error");
        builder.UseSetting("Telemetry:Emf:Enabled", "false");
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("Database:Sqlite:Path", Path.Combine(_directory, "pulse.db"));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
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
