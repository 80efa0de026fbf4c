using System.Globalization;
using Pulse.Testing;

namespace Pulse.Api.Tests.Infrastructure;

/// <summary>
/// Mounts made for one test, so that a database can really run out of space or lose write access, for root
/// too (file permissions do not stop root; a full or read-only mount does). Each is undone on disposal and
/// leaves nothing behind. They need root and mount(8) (CI runs as root); elsewhere their tests are skipped,
/// never in CI.
/// </summary>
internal static class Mounts
{
    /// <summary>Why a test needing mounts is skipped, or null when it must run.</summary>
    public static string? SkipReason() =>
        ExternalTools.InCi || (Environment.IsPrivilegedProcess && ExternalTools.Find("mount") is not null)
            ? null
            : "Needs root and mount(8); runs in CI.";

    public static async Task RunAsync(string program, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(program, arguments, timeout: TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {result}");
    }

    /// <summary>Unmounts <paramref name="path"/>; a file still open (a test that failed half-way) keeps it busy, so it is detached anyway.</summary>
    public static async Task UnmountAsync(string path)
    {
        var unmounted = await ProcessRunner.RunAsync("umount", [path], timeout: TimeSpan.FromSeconds(30));
        if (unmounted.ExitCode != 0)
        {
            await RunAsync("umount", "--lazy", path);
        }
    }
}

/// <summary>A small tmpfs under the temporary directory, which <see cref="Fill"/> can fill up.</summary>
internal sealed class Tmpfs : IAsyncDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    public static async Task<Tmpfs> MountAsync(int kilobytes)
    {
        var path = Directory.CreateTempSubdirectory("pulse-tmpfs-").FullName;
        await Mounts.RunAsync("mount", "-t", "tmpfs", "-o", string.Create(CultureInfo.InvariantCulture, $"size={kilobytes}k,mode=0700"), "pulse-test", path);
        return new Tmpfs(path);
    }

    /// <summary>Writes a file until the file system has no space left; returns its path.</summary>
    public string Fill()
    {
        var filler = System.IO.Path.Combine(Path, "filler");
        var block = new byte[4096];
        using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            while (true)
            {
                stream.Write(block);
            }
        }
        catch (IOException)
        {
            // ENOSPC: the file system is full.
        }

        return filler;
    }

    public async ValueTask DisposeAsync()
    {
        await Mounts.UnmountAsync(Path);
        Directory.Delete(Path);
    }
}

/// <summary>
/// A file made read-only by bind-mounting it read-only over itself: opened afterwards, it cannot be written
/// (EROFS), while its directory stays writable. Files opened before keep their access.
/// </summary>
internal sealed class ReadOnlyFile : IAsyncDisposable
{
    private readonly string _path;

    private ReadOnlyFile(string path) => _path = path;

    public static async Task<ReadOnlyFile> MountAsync(string path)
    {
        await Mounts.RunAsync("mount", "--bind", path, path);
        var file = new ReadOnlyFile(path);
        try
        {
            await Mounts.RunAsync("mount", "-o", "remount,bind,ro", path);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }

        return file;
    }

    public async ValueTask DisposeAsync() => await Mounts.UnmountAsync(_path);
}

/// <summary>A fact that needs <see cref="Mounts"/>: skipped outside CI without root, never in CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MountsFactAttribute : FactAttribute
{
    public MountsFactAttribute() => Skip = Mounts.SkipReason();
}

/// <summary>A fact that needs the shared PostgreSQL server (<c>PULSE_TEST_POSTGRES</c>): skipped without it, never in CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SharedPostgresFactAttribute : FactAttribute
{
    public SharedPostgresFactAttribute() => Skip = PostgresTestServer.SkipReason();
}
