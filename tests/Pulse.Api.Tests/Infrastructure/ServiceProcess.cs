using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Pulse.Testing;

namespace Pulse.Api.Tests.Infrastructure;

/// <summary>
/// The service as built next to the tests (<c>dotnet Pulse.Api.dll</c>), in its own process with its own working
/// directory and environment, on a free loopback port and a throw-away SQLite file. Its stdout is kept.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly Task _reading;
    private readonly Task<string> _stderr;
    private readonly string _dataDirectory;

    private ServiceProcess(Process process, Uri address, string dataDirectory)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        _reading = ReadStdoutAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    /// <summary>Everything the service wrote to stdout so far.</summary>
    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the service in <paramref name="workingDirectory"/> with a clean environment (no ASPNETCORE_* or
    /// DOTNET_ENVIRONMENT) plus <paramref name="environment"/>, and waits until it answers <c>/health/ready</c>.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment = null, params string[] arguments)
    {
        var port = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        var data = Directory.CreateTempSubdirectory("pulse-process-").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "Pulse.Api.dll"), $"--urls=http://127.0.0.1:{port}", $"--Database:Sqlite:Path={Path.Combine(data, "pulse.db")}", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var variable in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(variable);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var service = new ServiceProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}/"), data);
        try
        {
            await Wait.UntilAsync(
                async () =>
                {
                    if (service._process.HasExited)
                    {
                        Assert.Fail($"The service exited with code {service._process.ExitCode}: {await service._stderr}");
                    }

                    using var ready = await service.Client.GetAsync("health/ready");
                    return ready.StatusCode == HttpStatusCode.OK;
                },
                TimeSpan.FromSeconds(60),
                "the service to be ready");
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        return service;
    }

    /// <summary>Waits until stdout holds a line containing <paramref name="text"/>.</summary>
    public Task WaitForStdoutAsync(string text) =>
        Wait.UntilAsync(() => Task.FromResult(Stdout.Contains(text, StringComparison.Ordinal)), TimeSpan.FromSeconds(30), $"'{text}' on the service's stdout");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await _process.WaitForExitAsync(exit.Token);
        }

        await _reading;
        _process.Dispose();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    private async Task ReadStdoutAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            lock (_stdout)
            {
                _stdout.Append(line).Append('\n');
            }
        }
    }
}
