using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Pulse.Api.Tests;

/// <summary>The service on a real loopback socket, for consumers that cannot use the in-memory test server (Prometheus).</summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private LoopbackServer(PulseApiFactory factory, Uri address)
    {
        Factory = factory;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public PulseApiFactory Factory { get; }

    public Uri Address { get; }

    public HttpClient Client { get; }

    /// <summary>Starts the service on 127.0.0.1 at a free port; <paramref name="configure"/> adds settings.</summary>
    public static LoopbackServer Start(Action<PulseApiFactory>? configure = null)
    {
        var factory = new PulseApiFactory();
        configure?.Invoke(factory);
        factory.WithSetting("urls", "http://127.0.0.1:0");
        factory.UseKestrel();
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a))
            .First();
        return new LoopbackServer(factory, address);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
    }
}
