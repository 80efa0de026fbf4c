using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Pulse.Testing;

/// <summary>
/// A real Prometheus server (Debian package <c>prometheus</c>) on a loopback port with throw-away storage,
/// for tests that check what Prometheus itself makes of the service's metrics, rules and dashboards.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    private PrometheusServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Address = new Uri($"http://127.0.0.1:{port}/");
        _http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    /// <summary>
    /// Starts Prometheus with <paramref name="configFile"/> (rule files it names are resolved relative to
    /// that file, as Prometheus does) and <paramref name="arguments"/> (feature flags, say), and waits until it
    /// reports ready.
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(string configFile, TimeSpan? readyTimeout = null, IEnumerable<string>? arguments = null)
    {
        var binary = ExternalTools.Require("prometheus");
        var directory = Directory.CreateTempSubdirectory("pulse-prometheus-").FullName;
        var port = FreePort.Next();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] all =
        [
            $"--config.file={configFile}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-lifecycle",
            "--log.level=warn",
            .. arguments ?? [],
        ];
        foreach (var argument in all)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start prometheus.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new PrometheusServer(process, directory, port);
        try
        {
            await Wait.UntilAsync(
                async () =>
                {
                    if (process.HasExited)
                    {
                        Assert.Fail($"prometheus exited with code {process.ExitCode} (config {configFile}).");
                    }

                    using var response = await server._http.GetAsync("-/ready");
                    return response.IsSuccessStatusCode;
                },
                readyTimeout ?? TimeSpan.FromSeconds(30),
                "Prometheus to become ready");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Runs an instant query and returns the result array (<c>data.result</c>); throws on a query error.</summary>
    public async Task<JsonElement> QueryAsync(string promql, CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync($"api/v1/query?query={Uri.EscapeDataString(promql)}", cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (body.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Query '{promql}' failed: {body}");
        }

        return body.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>The first sample's value of an instant query, or null when it returned no series.</summary>
    public async Task<double?> QueryScalarAsync(string promql, CancellationToken cancellationToken = default)
    {
        var result = await QueryAsync(promql, cancellationToken);
        if (result.GetArrayLength() == 0)
        {
            return null;
        }

        var value = result[0].GetProperty("value")[1].GetString()!;
        return double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The exemplars stored for the series <paramref name="selector"/> selects over the last
    /// <paramref name="window"/>, as the <c>data</c> array of <c>/api/v1/query_exemplars</c> (one entry per series).
    /// </summary>
    public async Task<JsonElement> QueryExemplarsAsync(string selector, TimeSpan window, CancellationToken cancellationToken = default)
    {
        var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var start = end - window.TotalSeconds;
        var url = string.Create(
            CultureInfo.InvariantCulture,
            $"api/v1/query_exemplars?query={Uri.EscapeDataString(selector)}&start={start:0.###}&end={end:0.###}");
        using var response = await _http.GetAsync(url, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (body.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Exemplar query '{selector}' failed: {body}");
        }

        return body.GetProperty("data").Clone();
    }

    /// <summary>Runs an instant query at <paramref name="time"/> and returns the first sample's value, or null when it returned no series.</summary>
    public async Task<double?> QueryScalarAtAsync(string promql, DateTimeOffset time, CancellationToken cancellationToken = default)
    {
        var url = string.Create(
            CultureInfo.InvariantCulture,
            $"api/v1/query?query={Uri.EscapeDataString(promql)}&time={time.ToUnixTimeMilliseconds() / 1000.0:0.###}");
        using var response = await _http.GetAsync(url, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (body.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Query '{promql}' failed: {body}");
        }

        var result = body.GetProperty("data").GetProperty("result");
        if (result.GetArrayLength() == 0)
        {
            return null;
        }

        return double.Parse(result[0].GetProperty("value")[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>The scrape targets Prometheus knows, as the <c>/api/v1/targets</c> document.</summary>
    public async Task<JsonElement> TargetsAsync(CancellationToken cancellationToken = default)
    {
        var body = await _http.GetFromJsonAsync<JsonElement>("api/v1/targets", cancellationToken);
        return body.GetProperty("data").GetProperty("activeTargets").Clone();
    }

    /// <summary>Asks Prometheus to reload its configuration and rule files.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.PostAsync("-/reload", content: null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(exit.Token);
        }

        _process.Dispose();
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
