using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Pulse.Telemetry;
using Pulse.Testing;
using Pulse.Testing.Emf;

namespace Pulse.Api.Tests.Emf;

/// <summary>
/// The built service as its own process, with JSON logs and EMF documents both on its real stdout, under
/// concurrent load, stopped with SIGTERM as ECS stops a task.
/// </summary>
public sealed class EmfStdoutProcessTests
{
    private const int Clients = 64;
    private const int RequestsPerClient = 20;

    [RequiresToolsTheory("node", "npm")]
    [InlineData("PerRequest")]
    [InlineData("Aggregated")]
    public async Task SixtyFourConcurrentClientsNeverSplitAStdoutLineAndSigtermLosesNothing(string mode)
    {
        var start = DateTimeOffset.UtcNow;
        var port = FreePort.Next();
        using var service = StartService(port, mode);
        try
        {
            await RunAsync(service, port, mode, start);
        }
        finally
        {
            if (!service.HasExited)
            {
                service.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task RunAsync(Process service, int port, string mode, DateTimeOffset start)
    {
        var output = new MemoryStream();
        var reading = service.StandardOutput.BaseStream.CopyToAsync(output);
        var errors = service.StandardError.ReadToEndAsync();

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
        var served = 0;
        await Wait.UntilAsync(
            async () =>
            {
                if (service.HasExited)
                {
                    Assert.Fail($"The service exited early with code {service.ExitCode}: {await errors}");
                }

                using var response = await client.GetAsync("health/live");
                Interlocked.Increment(ref served);
                return response.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(60),
            "the service to answer /health/live");

        string[] paths = ["", "Welcome?name=Zo%C3%AB", "Welcome", "error", "no/such/page"];
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async c =>
        {
            for (var i = 0; i < RequestsPerClient; i++)
            {
                using var response = await client.GetAsync(paths[(c + i) % paths.Length]);
                Interlocked.Increment(ref served);
            }
        }));

        var terminated = await ProcessRunner.RunAsync("kill", ["-TERM", service.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.Equal(0, terminated.ExitCode);
        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await service.WaitForExitAsync(exit.Token);
        }

        await reading;
        Assert.True(service.ExitCode == 0, $"exit code {service.ExitCode}; stderr:\n{await errors}");

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var documents = new List<JsonElement>();
        foreach (var line in lines)
        {
            // One whole JSON object per line: a line cut or joined by another writer would not parse.
            var parsed = JsonDocument.Parse(line).RootElement;
            Assert.Equal(JsonValueKind.Object, parsed.ValueKind);
            documents.Add(parsed);
        }

        var emfLines = lines.Where((_, i) => EmfStatistics.IsEmf(documents[i])).ToList();
        var emf = documents.Where(EmfStatistics.IsEmf).ToList();
        var logs = documents.Count - emf.Count;
        Assert.True(logs >= served, $"Expected request logs interleaved with the documents, found {logs} log lines for {served} requests.");
        Assert.Equal(
            served,
            mode == "PerRequest"
                ? emf.Count(d => d.TryGetProperty(EmfMetrics.Properties.RequestId, out _))
                : EmfStatistics.Sums(emf, EmfMetrics.Names.RequestCount, EmfMetrics.Dimensions.Service).Values.Sum());

        var now = DateTimeOffset.UtcNow;
        Assert.All(emfLines, line => Assert.Empty(EmfRules.Check(line, now, (start.AddMinutes(-1), now))));
        await EmfSchema.AssertValidAsync(emfLines);
    }

    private static Process StartService(int port, string mode)
    {
        // The service as built next to the tests (the project reference copies it with its runtimeconfig and deps).
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "Pulse.Api.dll"),
            $"--urls=http://127.0.0.1:{port}",
            $"--Telemetry:Emf:Mode={mode}",

            // Two log lines per request from the hosting layer, written concurrently with the EMF documents.
            "--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics=Information",
        })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var variable in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", EmfMetrics.EcsMetadataVariable })
        {
            start.Environment.Remove(variable);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start Pulse.Api.");
    }
}
