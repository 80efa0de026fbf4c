using YamlDotNet.RepresentationModel;

namespace Pulse.Stack.Tests;

/// <summary>Reads a YAML file of the repository as a node tree, with the few accessors these tests need.</summary>
internal static class Yaml
{
    public static YamlMappingNode Load(string relativePath)
    {
        using var reader = new StringReader(Repository.Read(relativePath));
        var stream = new YamlStream();
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    public static YamlNode? Get(this YamlNode node, string key) =>
        node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    public static string? Text(this YamlNode node, string key) => (node.Get(key) as YamlScalarNode)?.Value;

    public static IEnumerable<YamlNode> Items(this YamlNode node, string key) =>
        node.Get(key) is YamlSequenceNode sequence ? sequence.Children : [];

    public static IEnumerable<string> Strings(this YamlNode node, string key) =>
        node.Items(key).OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty);
}
