using System.Text.Json;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Pulse.Api.Tests.Infrastructure;

namespace Pulse.Api.Tests;

/// <summary>
/// What the service does by default, whoever starts it from wherever: its own appsettings.json (quiet framework
/// logs), readable console logs in Development and JSON lines in every other environment.
/// </summary>
public sealed class HostingDefaultsTests
{
    private const int Requests = 50;

    [Fact]
    public async Task StartedFromAnotherFolderTheServiceStillReadsItsOwnSettings()
    {
        var elsewhere = Directory.CreateTempSubdirectory("pulse-elsewhere-").FullName;
        try
        {
            await using var service = await ServiceProcess.StartAsync(elsewhere, arguments: "--Telemetry:Emf:Enabled=false");
            await service.WaitForStdoutAsync("Content root path");
            var before = service.Stdout.Length;
            for (var i = 0; i < Requests; i++)
            {
                using var response = await service.Client.GetAsync(i % 2 == 0 ? "products" : "no/such/page");
            }

            // A warning is logged after every request above, and the console logger writes in order.
            using (await service.Client.GetAsync("error"))
            {
                await service.WaitForStdoutAsync("Intentional error requested on /error");
            }

            var written = service.Stdout[before..];
            Assert.DoesNotContain("\"Category\":\"Microsoft.AspNetCore.Hosting.Diagnostics\"", written, StringComparison.Ordinal);
            Assert.DoesNotContain("\"Category\":\"Microsoft.EntityFrameworkCore.Database.Command\"", written, StringComparison.Ordinal);
            Assert.True(written.Length < 2_000, $"{written.Length} bytes of stdout for {Requests + 1} requests:\n{written}");
            Assert.False(File.Exists(Path.Combine(elsewhere, "data", "pulse.db")), "nothing is written to the working directory");
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    [Fact]
    public async Task OutsideDevelopmentEveryConsoleLineIsAJsonObject()
    {
        await using var service = await ServiceProcess.StartAsync(Path.GetTempPath(), arguments: "--Telemetry:Emf:Enabled=false");

        await service.WaitForStdoutAsync("Application started");

        var lines = service.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(line).RootElement.ValueKind));
    }

    [Fact]
    public async Task InDevelopmentTheConsoleLogIsReadableText()
    {
        await using var service = await ServiceProcess.StartAsync(
            Path.GetTempPath(), new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" }, "--Telemetry:Emf:Enabled=false");

        await service.WaitForStdoutAsync("Application started");

        var lines = service.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, line => line.Contains("info: Microsoft.Hosting.Lifetime", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.StartsWith('{'));
    }

    [Theory]
    [InlineData("Development", ConsoleFormatterNames.Simple)]
    [InlineData("Production", ConsoleFormatterNames.Json)]
    [InlineData("Staging", ConsoleFormatterNames.Json)]
    [InlineData("Testing", ConsoleFormatterNames.Json)]
    public async Task TheConsoleFormatterFollowsTheEnvironment(string environment, string formatter)
    {
        await using var factory = new PulseApiFactory().WithEnvironment(environment);
        factory.CreateClient().Dispose();

        var options = factory.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue;
        Assert.Equal(formatter, options.FormatterName);
        Assert.Equal(ConsoleLoggerQueueFullMode.DropWrite, options.QueueFullMode);
    }

    [Fact]
    public void DotnetRunStartsTheServiceInDevelopment()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Pulse.Testing.RepositoryRoot.Combine("src", "Pulse.Api", "Properties", "launchSettings.json")));

        var profile = settings.RootElement.GetProperty("profiles").EnumerateObject().First().Value;
        Assert.Equal("Project", profile.GetProperty("commandName").GetString());
        Assert.Equal("Development", profile.GetProperty("environmentVariables").GetProperty("ASPNETCORE_ENVIRONMENT").GetString());
    }
}
