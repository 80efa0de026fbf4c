using System.Formats.Tar;
using System.Globalization;
using Xunit.Abstractions;

namespace Pulse.Stack.Tests.Containers;

/// <summary>What the service image holds, file by file, read from <c>docker export</c> of a container of it.</summary>
[Collection(ContainerChecks.Name)]
[Trait("Category", ContainerEngine.Category)]
public sealed class ImageContentTests(ITestOutputHelper output)
{
    /// <summary>Every path in the image's file system (relative, directories ending in '/') and its size.</summary>
    private static async Task<List<(string Path, long Size)>> FilesAsync()
    {
        var container = ContainerEngine.UniqueName("export");
        var archive = Path.Combine(Directory.CreateTempSubdirectory("pulse-image-").FullName, "rootfs.tar");
        try
        {
            await ContainerEngine.CheckedAsync(["create", "--name", container, ContainerEngine.Image]);
            await ContainerEngine.CheckedAsync(["export", "--output", archive, container], TimeSpan.FromMinutes(3));
            var files = new List<(string, long)>();
            await using var stream = File.OpenRead(archive);
            await using var reader = new TarReader(stream);
            while (await reader.GetNextEntryAsync() is { } entry)
            {
                var path = entry.Name.TrimStart('.', '/');
                files.Add((entry.EntryType == TarEntryType.Directory && !path.EndsWith('/') ? path + "/" : path, entry.Length));
            }

            return files;
        }
        finally
        {
            await ContainerEngine.DockerAsync(["rm", "-f", container]);
            Directory.Delete(Path.GetDirectoryName(archive)!, recursive: true);
        }
    }

    [ContainerFact]
    public async Task TheImageHoldsTheRuntimeAndThePublishedServiceButNoSdkSourceTestsOrDotEnv()
    {
        var files = await FilesAsync();
        var paths = files.Select(f => f.Path).ToList();
        var app = files.Where(f => f.Path.StartsWith("app/", StringComparison.Ordinal) && !f.Path.EndsWith('/')).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        var size = long.Parse(await ContainerEngine.CheckedAsync(["image", "inspect", "--format", "{{.Size}}", ContainerEngine.Image]), CultureInfo.InvariantCulture);
        output.WriteLine($"{ContainerEngine.Image}: {size / 1e6:0} MB, {files.Count} entries; /app holds {app.Count} files, {app.Sum(f => f.Size) / 1e6:0.0} MB:");
        foreach (var (path, length) in app)
        {
            output.WriteLine($"{length,12:N0}  /{path}");
        }

        // The published service and the shared runtimes it runs on.
        Assert.Contains("app/Pulse.Api.dll", paths);
        Assert.Contains("app/Pulse.Telemetry.dll", paths);
        Assert.Contains(paths, p => p.StartsWith("usr/share/dotnet/shared/Microsoft.AspNetCore.App/", StringComparison.Ordinal));

        // No SDK, no NuGet cache, no sources or project files, no tests, no secrets.
        Assert.DoesNotContain(paths, p => p.StartsWith("usr/share/dotnet/sdk", StringComparison.Ordinal));
        Assert.DoesNotContain(paths, p => p.Contains("/.nuget/", StringComparison.Ordinal));
        Assert.DoesNotContain(paths, p => p.StartsWith("src/", StringComparison.Ordinal));
        string[] sourceExtensions = [".cs", ".csproj", ".props", ".slnx", ".sln"];
        Assert.DoesNotContain(paths, p => sourceExtensions.Any(e => p.EndsWith(e, StringComparison.Ordinal)));
        Assert.DoesNotContain(paths, p => p.Contains(".Tests", StringComparison.Ordinal) || Path.GetFileName(p).StartsWith("xunit", StringComparison.Ordinal));
        Assert.DoesNotContain(paths, p => Path.GetFileName(p.TrimEnd('/')) is ".env" or ".git");
    }
}
