using System.Globalization;

namespace Pulse.Testing;

/// <summary>
/// A private PostgreSQL server (Debian package <c>postgresql</c>: <c>initdb</c>, <c>pg_ctl</c>) on a free loopback
/// port with a throw-away data directory, for tests that stop and restart the database under a running
/// service without disturbing the shared server the other tests use. Trust authentication, user
/// <c>postgres</c>. PostgreSQL refuses to run as root, so as root it runs as the <c>postgres</c> user.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _binDirectory;
    private readonly string _directory;

    private PostgresServer(string binDirectory, string directory, int port)
    {
        _binDirectory = binDirectory;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>An Npgsql connection string for database <paramref name="database"/>.</summary>
    public string ConnectionString(string database = "postgres") =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database}");

    private string DataDirectory => Path.Combine(_directory, "data");

    /// <summary>Why tests needing a private server are skipped, or null when they must run (always in CI).</summary>
    public static string? SkipReason() =>
        ExternalTools.InCi || FindBinDirectory() is not null
            ? null
            : "Needs PostgreSQL's initdb and pg_ctl (apt-get install -y postgresql); runs in CI.";

    /// <summary>Creates a cluster in a temporary directory and starts it.</summary>
    public static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBinDirectory() ?? throw new InvalidOperationException(
            "PostgreSQL's initdb and pg_ctl were not found on PATH or under /usr/lib/postgresql/*/bin. Install them with: apt-get install -y postgresql (or run .ci/run).");
        var directory = Directory.CreateTempSubdirectory("pulse-postgres-").FullName;
        var server = new PostgresServer(bin, directory, FreePort.Next());
        try
        {
            if (IsRoot)
            {
                await Run("chown", ["postgres:postgres", directory], asPostgres: false);
            }

            await server.Run("initdb", ["-D", server.DataDirectory, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server (again) on the same port and data, and waits until it accepts connections.</summary>
    public Task StartAgainAsync() => Run("pg_ctl", [
        "-D", DataDirectory, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "30",
        "-o", $"-p {Port.ToString(CultureInfo.InvariantCulture)} -k '{_directory}' -c listen_addresses=127.0.0.1 -c fsync=off",
        "start"]);

    /// <summary>Stops the server (fast shutdown: open sessions are terminated) and waits until it is down.</summary>
    public Task StopAsync() => Run("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "30", "stop"]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                await Run("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"]);
            }
        }
        finally
        {
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

    private static bool IsRoot => Environment.UserName == "root";

    private Task Run(string tool, string[] arguments) => Run(Path.Combine(_binDirectory, tool), arguments, asPostgres: IsRoot);

    private static async Task Run(string program, string[] arguments, bool asPostgres)
    {
        var (fileName, allArguments) = asPostgres
            ? ("runuser", new[] { "-u", "postgres", "--", program }.Concat(arguments).ToArray())
            : (program, arguments);
        var result = await ProcessRunner.RunAsync(fileName, allArguments, timeout: CommandTimeout, workingDirectory: Path.GetTempPath());
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {result}");
        }
    }

    /// <summary>The directory holding initdb and pg_ctl: from PATH, else the newest /usr/lib/postgresql/N/bin (Debian keeps them off PATH).</summary>
    private static string? FindBinDirectory()
    {
        if (ExternalTools.Find("initdb") is { } initdb && ExternalTools.Find("pg_ctl") is not null)
        {
            // Debian's /usr/bin has wrappers for some tools only; resolve symlinks to the real directory.
            var target = new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initdb;
            return Path.GetDirectoryName(target);
        }

        const string Debian = "/usr/lib/postgresql";
        return Directory.Exists(Debian)
            ? Directory.GetDirectories(Debian)
                .Select(d => (Directory: d, Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(d => File.Exists(Path.Combine(d.Directory, "bin", "initdb")) && File.Exists(Path.Combine(d.Directory, "bin", "pg_ctl")))
                .OrderByDescending(d => d.Version)
                .Select(d => Path.Combine(d.Directory, "bin"))
                .FirstOrDefault()
            : null;
    }
}

/// <summary>A fact that needs a private PostgreSQL server (<see cref="PostgresServer"/>): skipped locally without PostgreSQL, never in CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresPostgresServerFactAttribute : FactAttribute
{
    public RequiresPostgresServerFactAttribute()
    {
        Skip = PostgresServer.SkipReason();
    }
}
