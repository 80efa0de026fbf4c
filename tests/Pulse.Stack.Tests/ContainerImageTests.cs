using System.Diagnostics;
using System.Runtime.InteropServices;
using Pulse.Testing;

namespace Pulse.Stack.Tests;

/// <summary>
/// The Dockerfile and its build context, checked by construction without a container engine: its instructions,
/// what .dockerignore sends to the builder, and the build stage's own <c>dotnet publish</c> run on exactly that
/// context, whose output then serves and passes its healthcheck. The built image itself is run by the container
/// checks (<see cref="Containers.ServiceImageTests"/> and the other classes in Containers/).
/// </summary>
public sealed class ContainerImageTests
{
    private static readonly Dockerfile Image = Dockerfile.Load();

    private static BuildStage Runtime => Image.Stages[^1];

    [Fact]
    public void TheImageIsBuiltWithTheSdkAndRunsOnTheAspNetCoreRuntime()
    {
        Assert.Equal(2, Image.Stages.Count);
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", Image.Stages[0].Image);
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", Runtime.Image);
        Assert.Equal($"--from={Image.Stages[0].Name} /app/publish .", Runtime.Single("COPY"));
        Assert.Empty(Runtime.All("RUN"));
    }

    [Fact]
    public void TheServiceRunsAsTheImagesNonRootUser()
    {
        // APP_UID is the non-root "app" user the .NET 8+ images define (UID 1654).
        Assert.Equal("$APP_UID", Runtime.Single("USER"));
        Assert.Empty(Image.Stages[0].All("USER"));
    }

    [Fact]
    public void TheServiceListensOnPort8080()
    {
        Assert.Equal("8080", Runtime.Single("EXPOSE"));
        Assert.Contains("ASPNETCORE_HTTP_PORTS=8080", Runtime.Single("ENV").Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void TheHealthcheckIsTheServicesOwnVerbSoTheImageNeedsNoCurl()
    {
        var healthcheck = Runtime.Single("HEALTHCHECK");

        Assert.EndsWith("""CMD ["dotnet", "/app/Pulse.Api.dll", "healthcheck"]""", healthcheck, StringComparison.Ordinal);
        Assert.Equal("""["dotnet", "/app/Pulse.Api.dll"]""", Runtime.Single("ENTRYPOINT"));
        // Docker's own timeout must leave the verb its 3 s.
        Assert.Contains("--timeout=5s", healthcheck, StringComparison.Ordinal);
        Assert.DoesNotContain(
            Image.Stages.SelectMany(s => s.Instructions),
            i => i.Arguments.Contains("curl", StringComparison.Ordinal) || i.Arguments.Contains("wget", StringComparison.Ordinal));
    }

    [Fact]
    public void TheOnlyWritablePathTheImageNeedsIsTmp()
    {
        var environment = Runtime.Single("ENV").Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // The SQLite default (no PostgreSQL configured) must not try to write beside the application.
        Assert.Contains("Database__Sqlite__Path=/tmp/pulse.db", environment);
        Assert.Empty(Runtime.All("VOLUME"));
    }

    [Fact]
    public void TheBuildContextHoldsTheSourcesAndBuildSettingsButNoTestsSecretsOrBuildOutput()
    {
        var ignore = DockerIgnore.Load();

        foreach (var admitted in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props", "BannedSymbols.txt", ".editorconfig", "src/Pulse.Api/Program.cs", "src/Pulse.Telemetry/Pulse.Telemetry.csproj" })
        {
            Assert.True(ignore.Admits(admitted), $"{admitted} should be in the build context");
        }

        foreach (var left in new[] { ".env", ".git", "tests/Pulse.Api.Tests/HealthCheckCommandTests.cs", "docs/runbook.md", "deploy/prometheus/prometheus.yml", "src/Pulse.Api/bin/Debug/net10.0/Pulse.Api.dll", "src/Pulse.Api/obj/project.assets.json", ".local-stack/logs/pulse-api.log" })
        {
            Assert.False(ignore.Admits(left), $"{left} should stay out of the build context");
        }
    }

    [Fact]
    public async Task TheBuildStagesPublishWorksOnTheBuildContextAndItsOutputServesAndPassesItsHealthcheck()
    {
        var work = Directory.CreateTempSubdirectory("pulse-image-").FullName;
        try
        {
            // The build context, exactly as .dockerignore lets it through.
            var context = Path.Combine(work, "src");
            foreach (var file in DockerIgnore.Load().ContextFiles(Repository.Root))
            {
                var target = Path.Combine(context, file);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(Path.Combine(Repository.Root, file), target);
            }

            // The build stage: WORKDIR /src, COPY . ., then its RUN with the same arguments (the cache mount
            // is BuildKit's, not dotnet's), publishing to a temporary folder instead of /app/publish.
            var build = Image.Stages[0];
            Assert.Equal("/src", build.Single("WORKDIR"));
            Assert.Equal(". .", build.Single("COPY"));
            // $TARGETARCH is what BuildKit and buildah set for the image's platform: here, this machine's.
            Assert.Equal("TARGETARCH", build.Single("ARG"));
            var publish = build.Single("RUN").Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Where(word => !word.StartsWith("--mount=", StringComparison.Ordinal))
                .Select(word => word switch { "/app/publish" => Path.Combine(work, "app"), "$TARGETARCH" => TargetArchitecture, _ => word })
                .ToList();
            Assert.Equal(["dotnet", "publish"], publish.Take(2));

            var published = await ProcessRunner.RunAsync("dotnet", publish.Skip(1), timeout: TimeSpan.FromMinutes(4), workingDirectory: context);
            Assert.True(published.ExitCode == 0, published.ToString());
            var dll = Path.Combine(work, "app", "Pulse.Api.dll");
            Assert.True(File.Exists(dll), published.ToString());
            // Only this platform's native SQLite library, not one for every platform.
            Assert.True(File.Exists(Path.Combine(work, "app", "libe_sqlite3.so")), published.ToString());
            Assert.False(Directory.Exists(Path.Combine(work, "app", "runtimes")), published.ToString());

            // The HEALTHCHECK's command fails (exit 1) while nothing listens ...
            var port = FreePort.Next();
            var url = $"http://127.0.0.1:{port}/health/live";
            var before = await ProcessRunner.RunAsync("dotnet", [dll, "healthcheck", url], timeout: TimeSpan.FromSeconds(30));
            Assert.True(before.ExitCode == 1, before.ToString());

            // ... and passes (exit 0) once the published service runs.
            using var service = StartService(dll, port);
            try
            {
                ProcessResult? after = null;
                await Wait.UntilAsync(
                    async () =>
                    {
                        Assert.False(service.HasExited, "The published service exited.");
                        after = await ProcessRunner.RunAsync("dotnet", [dll, "healthcheck", url], timeout: TimeSpan.FromSeconds(30));
                        return after.ExitCode == 0;
                    },
                    TimeSpan.FromSeconds(60),
                    "the published service to pass its healthcheck",
                    TimeSpan.FromMilliseconds(250));
                Assert.Contains("answered 200", after!.StandardOutput, StringComparison.Ordinal);
            }
            finally
            {
                service.Kill(entireProcessTree: true);
                await service.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>This machine's architecture as Docker names platforms (TARGETARCH).</summary>
    private static string TargetArchitecture => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        var other => throw new PlatformNotSupportedException($"No TARGETARCH for {other}."),
    };

    private static Process StartService(string dll, int port)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { dll, "--urls", $"http://127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the published service.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
