using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Pulse.Telemetry.Hosting;

namespace Pulse.Telemetry.Tests;

/// <summary>Adding the management port keeps every address the service would have listened on without it.</summary>
public sealed class ManagementPortTests
{
    [Theory]
    [InlineData("urls", "http://127.0.0.1:8080", "http://127.0.0.1:8080;http://127.0.0.1:9100")]
    [InlineData("http_ports", "8080", "http://*:8080;http://*:9100")]
    [InlineData("https_ports", "8443", "https://*:8443;http://*:9100")]
    [InlineData("unrelated", "x", ManagementPort.KestrelDefaultUrl + ";http://localhost:9100")]
    public void TheServicesOwnAddressesAreKept(string key, string value, string expected)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseSetting(key, value);

        ManagementPort.Listen(builder.WebHost, 9100);

        Assert.Equal(expected, builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey));
    }
}
