using Microsoft.AspNetCore.Http;

namespace Pulse.Telemetry.Http;

/// <summary>
/// The request paths of <see cref="HttpTelemetryOptions.ExcludedPaths"/>: an entry matches the path exactly (ignoring
/// case), an entry ending in <c>/*</c> everything below it. Neither measured nor traced.
/// </summary>
internal sealed class ExcludedPaths
{
    private readonly HashSet<string> _exact;
    private readonly PathString[] _prefixes;

    public ExcludedPaths(IEnumerable<string> entries)
    {
        var list = entries.ToList();
        _exact = new HashSet<string>(list.Where(p => !p.EndsWith("/*", StringComparison.Ordinal)), StringComparer.OrdinalIgnoreCase);
        _prefixes = [.. list.Where(p => p.EndsWith("/*", StringComparison.Ordinal)).Select(p => new PathString(p[..^2]))];
    }

    public bool Contains(PathString path)
    {
        if (path.Value is { } value && _exact.Contains(value))
        {
            return true;
        }

        foreach (var prefix in _prefixes)
        {
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase, out var below) && below.HasValue)
            {
                return true;
            }
        }

        return false;
    }
}
