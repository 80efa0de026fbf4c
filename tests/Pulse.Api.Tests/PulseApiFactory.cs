using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace Pulse.Api.Tests;

/// <summary>
/// The service in memory. Settings given here are host settings, so the service sees them while it
/// registers its services (for example <c>Telemetry:Enabled</c>), exactly as it would see
/// <c>--Telemetry:Enabled=false</c> on its command line.
/// </summary>
public class PulseApiFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings = new(StringComparer.OrdinalIgnoreCase);
    private Action<IServiceCollection>? _services;

    public PulseApiFactory WithSetting(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public PulseApiFactory WithServices(Action<IServiceCollection> configure)
    {
        _services += configure;
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is { } services)
        {
            builder.ConfigureTestServices(services);
        }
    }
}
