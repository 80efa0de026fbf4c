using System.Net;

namespace Pulse.Api.Hosting;

/// <summary>
/// The <c>healthcheck [url | settings]</c> verb: one GET of the service's liveness endpoint, exit code 0 on 200 and
/// 1 otherwise. It is the container's HEALTHCHECK and the ECS health check, so the runtime image needs no curl
/// (Docker's HEALTHCHECK treats exit 0 as healthy and 1 as unhealthy; docs/configuration.md).
/// Without a URL it reads the configuration the server reads (environment, appsettings.json and the settings given
/// after the verb, such as <c>--urls</c>) and checks the address the server binds, so a container whose port is
/// moved with <c>ASPNETCORE_HTTP_PORTS</c> or <c>ASPNETCORE_URLS</c> is still checked where it listens.
/// </summary>
internal static class HealthCheckCommand
{
    public const string Verb = "healthcheck";

    /// <summary>The endpoint checked: liveness only, so a database outage never gets the container restarted.</summary>
    public const string LivenessPath = "/health/live";

    /// <summary>Longest the check waits for an answer; Docker's own timeout should be longer.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    private static readonly string Usage =
        $"usage: {Verb} [url]  (an absolute http or https URL)\n" +
        $"       {Verb} [--urls addresses | --key value ...]  (checks {LivenessPath} where the server with these settings listens)";

    public static bool IsInvoked(string[] args) => args is [Verb, ..];

    public static Task<int> RunAsync(string[] args) => RunAsync(args, DefaultTimeout, Console.Out, Console.Error);

    internal static async Task<int> RunAsync(IReadOnlyList<string> args, TimeSpan timeout, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        Uri? url;
        if (args.Count > 1 && !args[1].StartsWith('-'))
        {
            if (args.Count > 2 || !Uri.TryCreate(args[1], UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                await error.WriteLineAsync(Usage);
                return 1;
            }
        }
        else
        {
            // The same builder and sources as Program.cs, so every way of setting the address counts; nothing is built or bound.
            var configuration = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [.. args.Skip(1)] }).Configuration;
            try
            {
                url = LivenessUrl(configuration);
            }
            catch (InvalidOperationException ex)
            {
                await error.WriteLineAsync($"unhealthy: {ex.Message}");
                return 1;
            }
        }

        return await CheckAsync(url, timeout, output, error);
    }

    /// <summary>
    /// The liveness endpoint on the address the server binds, chosen as Kestrel chooses: <c>Kestrel:Endpoints</c>, else
    /// <c>urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>), else <c>http_ports</c> and <c>https_ports</c>
    /// (<c>ASPNETCORE_HTTP_PORTS</c>, <c>ASPNETCORE_HTTPS_PORTS</c>), else the service's default address
    /// (https://learn.microsoft.com/aspnet/core/fundamentals/servers/kestrel/endpoints#configure-endpoints).
    /// The first http address wins over https ones; an address on every interface or on a host name is
    /// reached over IPv4 loopback.
    /// </summary>
    internal static Uri LivenessUrl(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>().ToList();
        var urls = Split(configuration[WebHostDefaults.ServerUrlsKey]);
        List<string> ports = [.. Ports(configuration, WebHostDefaults.HttpPortsKey, "http"), .. Ports(configuration, WebHostDefaults.HttpsPortsKey, "https")];
        var (addresses, setting) =
            endpoints.Count > 0 ? (endpoints, "Kestrel:Endpoints") :
            urls.Count > 0 ? (urls, "urls (--urls, ASPNETCORE_URLS)") :
            ports.Count > 0 ? (ports, "http_ports/https_ports (ASPNETCORE_HTTP_PORTS, ASPNETCORE_HTTPS_PORTS)") :
            ([ServiceDefaults.DefaultUrl], "the default address");

        List<BindingAddress> parsed;
        try
        {
            parsed = [.. addresses.Select(BindingAddress.Parse).Where(a => !a.IsUnixPipe)];
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException($"{setting} holds an address that is not valid ({string.Join(';', addresses)}): {ex.Message}", ex);
        }

        var address = parsed.FirstOrDefault(a => a.Scheme == Uri.UriSchemeHttp) ?? parsed.FirstOrDefault()
            ?? throw new InvalidOperationException($"{setting} has no TCP address to check ({string.Join(';', addresses)}); give the URL after '{Verb}'.");
        if (address.Port == 0)
        {
            throw new InvalidOperationException($"{setting} lets the server pick its port at start-up ({address}); give the URL after '{Verb}'.");
        }

        var host = IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any)
            ? address.Host
            : IPAddress.Loopback.ToString();
        return new UriBuilder(address.Scheme, host, address.Port, LivenessPath).Uri;
    }

    private static List<string> Split(string? value) =>
        [.. (value ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static IEnumerable<string> Ports(IConfiguration configuration, string key, string scheme) =>
        Split(configuration[key]).Select(port => $"{scheme}://*:{port}");

    private static async Task<int> CheckAsync(Uri url, TimeSpan timeout, TextWriter output, TextWriter error)
    {
        // A proxy taken from the environment must never sit between a process and its own health endpoint.
        using var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = timeout };
        using var client = new HttpClient(handler) { Timeout = timeout };
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                await output.WriteLineAsync($"healthy: {url} answered 200");
                return 0;
            }

            await error.WriteLineAsync($"unhealthy: {url} answered {(int)response.StatusCode}");
            return 1;
        }
        catch (HttpRequestException ex)
        {
            await error.WriteLineAsync($"unhealthy: {url} could not be reached: {ex.Message}");
            return 1;
        }
        catch (TaskCanceledException)
        {
            await error.WriteLineAsync($"unhealthy: {url} did not answer within {timeout.TotalSeconds:0.###} s");
            return 1;
        }
    }
}
