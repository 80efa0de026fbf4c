using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Pulse.Api.Data;
using Pulse.Api.Http;
using Pulse.Telemetry;
using Pulse.Testing;

namespace Pulse.Api.Tests.Docs;

/// <summary>
/// docs/configuration.md and the options classes in step: every key the service binds is documented with its
/// default, and every documented key of those sections is bound. Defaults are read from the running service,
/// after its own defaults are applied, so the documented value is the one a user gets.
/// </summary>
public sealed partial class ConfigurationDocsTests
{
    private const string Document = "docs/configuration.md";

    [Fact]
    public async Task EveryBoundSettingIsDocumentedWithItsDefaultAndNothingElseIs()
    {
        await using var factory = new PulseApiFactory();
        var services = factory.Services;
        var bound = new Dictionary<string, object?>(StringComparer.Ordinal);
        Walk(TelemetryOptions.SectionName, services.GetRequiredService<IOptions<TelemetryOptions>>().Value, bound);
        Walk(DatabaseOptions.SectionName, services.GetRequiredService<IOptions<DatabaseOptions>>().Value, bound);
        Walk(ApiOptions.SectionName, services.GetRequiredService<IOptions<ApiOptions>>().Value, bound);

        // The test factory gives every service its own SQLite file; the service's own default is the class's.
        bound["Database:Sqlite:Path"] = new DatabaseOptions().Sqlite.Path;
        var documented = DocumentedSettings();

        Assert.Equal(bound.Keys.Order(StringComparer.Ordinal), documented.Keys.Order(StringComparer.Ordinal));
        Assert.All(bound, setting => AssertDocumentsDefault(setting.Key, setting.Value, documented[setting.Key]));
    }

    [Fact]
    public void EverySectionTheServiceBindsIsCheckedHere()
    {
        string[] checkedSections = [TelemetryOptions.SectionName, DatabaseOptions.SectionName, ApiOptions.SectionName];

        var sections = new[] { typeof(TelemetryOptions).Assembly, typeof(DatabaseOptions).Assembly }
            .SelectMany(assembly => assembly.GetTypes())
            .Select(type => type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static))
            .Where(field => field is { IsLiteral: true })
            .Select(field => (string)field!.GetRawConstantValue()!);

        Assert.Equal(checkedSections.Order(StringComparer.Ordinal), sections.Order(StringComparer.Ordinal));
    }

    /// <summary>Setting key (first cell of a table row) to the row's default cell, for the checked sections.</summary>
    private static Dictionary<string, string> DocumentedSettings()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(RepositoryRoot.Combine(Document.Split('/'))))
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells is not ["", var first, var defaults, ..])
            {
                continue;
            }

            // "`Database:Postgres:Host`, `:Port`, ..." documents siblings of the first key.
            string? parent = null;
            foreach (Match key in Keys().Matches(first))
            {
                var name = key.Groups["key"].Value;
                if (name.StartsWith(':'))
                {
                    name = parent + name;
                }

                parent = name[..name.LastIndexOf(':')];
                if (name.Split(':')[0] is TelemetryOptions.SectionName or DatabaseOptions.SectionName or ApiOptions.SectionName)
                {
                    Assert.True(settings.TryAdd(name, defaults), $"{name} is documented twice in {Document}");
                }
            }
        }

        return settings;
    }

    private static void AssertDocumentsDefault(string key, object? value, string cell)
    {
        string[] expected = value switch
        {
            null => [],
            string text => [text],
            IEnumerable items => [.. items.Cast<object>().Select(Format)],
            _ => [Format(value)],
        };
        Assert.False(string.IsNullOrWhiteSpace(cell), $"{key} has no default in {Document}");
        foreach (var part in expected)
        {
            Assert.True(cell.Contains(part, StringComparison.Ordinal), $"{Document} gives {key} the default \"{cell}\", which does not contain \"{part}\"");
        }
    }

    private static string Format(object value) => value switch
    {
        bool flag => flag ? "true" : "false",
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    /// <summary>Leaf settings of an options object, as configuration keys with their values.</summary>
    private static void Walk(string prefix, object options, Dictionary<string, object?> settings)
    {
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var key = $"{prefix}:{property.Name}";
            var value = property.GetValue(options);
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(Uri)
                || (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type)))
            {
                settings.Add(key, value);
            }
            else if (value is not null)
            {
                Walk(key, value, settings);
            }
        }
    }

    [GeneratedRegex("`(?<key>(:[A-Za-z][A-Za-z0-9]*)+|[A-Za-z][A-Za-z0-9]*(:[A-Za-z][A-Za-z0-9]*)+)`")]
    private static partial Regex Keys();
}
