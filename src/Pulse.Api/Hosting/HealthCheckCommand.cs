using System.Net;

namespace Pulse.Api.Hosting;

/// <summary>
/// The <c>healthcheck [url]</c> verb: one GET of the service's liveness endpoint, exit code 0 on 200 and 1
/// otherwise. It is the container's HEALTHCHECK and the ECS health check, so the runtime image needs no curl
/// (Docker's HEALTHCHECK treats exit 0 as healthy and 1 as unhealthy; docs/configuration.md).
/// </summary>
internal static class HealthCheckCommand
{
    public const string Verb = "healthcheck";

    /// <summary>Where the check goes unless a URL is given: the container's port, over IPv4 loopback.</summary>
    public static readonly Uri DefaultUrl = new("http://127.0.0.1:8080/health/live");

    /// <summary>Longest the check waits for an answer; Docker's own timeout should be longer.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    public static bool IsInvoked(string[] args) => args is [Verb, ..];

    public static Task<int> RunAsync(string[] args) => RunAsync(args, DefaultTimeout, Console.Out, Console.Error);

    internal static async Task<int> RunAsync(IReadOnlyList<string> args, TimeSpan timeout, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        var url = DefaultUrl;
        if (args.Count > 2
            || (args.Count == 2 && (!Uri.TryCreate(args[1], UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))))
        {
            await error.WriteLineAsync($"usage: {Verb} [url]  (an absolute http or https URL; default {DefaultUrl})");
            return 1;
        }

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
