using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace Pulse.Api.Tests;

/// <summary>
/// The service in memory. Settings given here are host settings, so the service sees them while it
/// registers its services (for example <c>Telemetry:Enabled</c>), exactly as it would see
/// <c>--Telemetry:Enabled=false</c> on its command line. Unless told otherwise, each factory keeps its
/// data in its own SQLite file in a temporary directory, removed on disposal.
/// </summary>
public class PulseApiFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings = new(StringComparer.OrdinalIgnoreCase);
    private Action<IServiceCollection>? _services;
    private string? _databaseDirectory;
    private string _environment = "Testing";

    public PulseApiFactory WithSetting(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    /// <summary>The host environment (<c>Testing</c> unless told otherwise).</summary>
    public PulseApiFactory WithEnvironment(string environment)
    {
        _environment = environment;
        return this;
    }

    public PulseApiFactory WithServices(Action<IServiceCollection> configure)
    {
        _services += configure;
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        if (!_settings.ContainsKey("Database:Sqlite:Path") && !_settings.ContainsKey("Database:Provider"))
        {
            _databaseDirectory = Directory.CreateTempSubdirectory("pulse-api-tests-").FullName;
            builder.UseSetting("Database:Sqlite:Path", Path.Combine(_databaseDirectory, "pulse.db"));
        }

        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is { } services)
        {
            builder.ConfigureTestServices(services);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        if (_databaseDirectory is not null)
        {
            try
            {
                Directory.Delete(_databaseDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the directory is under the temp folder.
            }
        }
    }
}
