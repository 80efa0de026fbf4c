using System.Globalization;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Pulse.Api.Http;

/// <summary>
/// Entity tags derived from a row's version (RFC 9110 §8.8.3): <c>"7"</c> for version 7. They are strong:
/// the representation of a version never changes, and If-Match requires strong comparison (§13.1.1).
/// </summary>
internal static class ETags
{
    public static string Format(long version) => string.Create(CultureInfo.InvariantCulture, $"\"{version}\"");

    public static void Set(HttpResponse response, long version) => response.Headers.ETag = Format(version);

    /// <summary>
    /// Reads If-Match: <see cref="Precondition.None"/> when absent, <see cref="Precondition.Any"/> for <c>*</c>,
    /// otherwise the versions it names (weak tags never match under strong comparison; tags this service
    /// never issued match nothing). Null when the header is malformed. A header that is present but empty is
    /// malformed, never absent: it names no version to match (RFC 9110 §13.1.1), so it must not make the
    /// change unconditional.
    /// </summary>
    public static Precondition? ParseIfMatch(StringValues header)
    {
        if (header.Count == 0)
        {
            return Precondition.None;
        }

        if (!EntityTagHeaderValue.TryParseStrictList(header, out var tags) || tags.Count == 0)
        {
            return null;
        }

        if (tags.Any(t => t.Equals(EntityTagHeaderValue.Any)))
        {
            return Precondition.Any;
        }

        var versions = tags
            .Where(t => !t.IsWeak)
            .Select(t => long.TryParse(t.Tag.AsSpan(1, t.Tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : (long?)null)
            .OfType<long>()
            .ToArray();
        return new Precondition(true, false, versions);
    }

    /// <summary>If-None-Match on a GET (§13.1.2, weak comparison): true when the client already has <paramref name="version"/>.</summary>
    public static bool NoneMatchHas(StringValues header, long version)
    {
        if (StringValues.IsNullOrEmpty(header) || !EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            return false;
        }

        var current = new EntityTagHeaderValue(Format(version));
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(current, useStrongComparison: false));
    }
}

/// <summary>An If-Match condition: none, any existing version, or one of <see cref="Versions"/>.</summary>
internal sealed record Precondition(bool Present, bool MatchesAny, IReadOnlyList<long> Versions)
{
    public static readonly Precondition None = new(false, false, []);

    public static readonly Precondition Any = new(true, true, []);

    /// <summary>True when the condition restricts which version may be changed.</summary>
    public bool RestrictsVersion => Present && !MatchesAny;
}
