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
    /// Reads If-Match into the versions a change may apply to: null (any version) when the header is absent or
    /// <c>*</c>, otherwise the versions it names (weak tags never match under strong comparison; tags this
    /// service never issued match nothing). False when the header is malformed. A header that is present but
    /// empty is malformed, never absent: it names no version to match (RFC 9110 §13.1.1), so it must not make
    /// the change unconditional.
    /// </summary>
    public static bool TryParseIfMatch(StringValues header, out long[]? versions)
    {
        versions = null;
        if (header.Count == 0)
        {
            return true;
        }

        if (!EntityTagHeaderValue.TryParseStrictList(header, out var tags) || tags.Count == 0)
        {
            return false;
        }

        if (!tags.Any(t => t.Equals(EntityTagHeaderValue.Any)))
        {
            versions = [.. tags
                .Where(t => !t.IsWeak)
                .Select(t => long.TryParse(t.Tag.AsSpan(1, t.Tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : (long?)null)
                .OfType<long>()];
        }

        return true;
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
