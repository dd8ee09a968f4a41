using System.Xml.Linq;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>Protocol ← Storage ← Coordination ← Broker ← SchemaRegistry, Server and Embedded (the server also composes SchemaRegistry, Cluster and Storage.Objects): each project references only the layer below; nothing references the server.</summary>
public class LayeringTests
{
    private static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Chronik.slnx"))) return d.FullName;
        }
        throw new DirectoryNotFoundException("repo root");
    }

    private static List<string> Refs(string project) =>
        XDocument.Load(Path.Combine(Root(), "src", project, project + ".csproj"))
            .Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value))
            .Order(StringComparer.Ordinal).ToList();

    [Theory]
    [InlineData("Chronik.Protocol", "")]
    [InlineData("Chronik.Storage", "Chronik.Protocol")]
    [InlineData("Chronik.Coordination", "Chronik.Storage")]
    [InlineData("Chronik.Broker", "Chronik.Coordination")]
    [InlineData("Chronik.Server", "Chronik.Broker,Chronik.Cluster,Chronik.SchemaRegistry,Chronik.Storage.Objects")]
    [InlineData("Chronik.SchemaRegistry", "Chronik.Broker")]
    [InlineData("Chronik.Embedded", "Chronik.Broker")]
    [InlineData("Chronik.Cluster", "Chronik.Coordination,Chronik.Storage.Objects")]
    public void Project_references_follow_the_layers(string project, string expected)
    {
        Assert.Equal(expected.Length == 0 ? [] : expected.Split(','), Refs(project));
    }

    [Fact]
    public void Nothing_references_the_server()
    {
        foreach (var csproj in Directory.GetFiles(Path.Combine(Root(), "src"), "*.csproj", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("Chronik.Server.csproj", File.ReadAllText(csproj), StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Inside Chronik.Broker, Network (connections, framing) ← Dispatch (request parsing, contexts) ← Handlers (one per
    /// API key): a folder's files never name a folder above it, so the three form no loop.
    /// </summary>
    [Theory]
    [InlineData("Dispatch", "Network,Handlers")]
    [InlineData("Handlers", "Network")]
    public void Broker_folders_form_no_loop(string folder, string forbidden)
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Root(), "src", "Chronik.Broker", folder), "*.cs", SearchOption.AllDirectories))
        {
            var code = string.Join('\n', File.ReadAllLines(file).Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)));
            foreach (var other in forbidden.Split(','))
            {
                Assert.False(code.Contains("Chronik.Broker." + other, StringComparison.Ordinal) || code.Contains(" " + other + ".", StringComparison.Ordinal) ||
                    code.Contains("(" + other + ".", StringComparison.Ordinal), $"{Path.GetFileName(file)} in {folder} refers to {other}");
            }
        }
    }
}
