using Chronik.Protocol.Generator;
using Xunit;

namespace Chronik.Protocol.Tests.Generated;

public class GeneratedCodeIsCurrentTests
{
    [Fact]
    public void Regenerating_into_a_temp_folder_matches_the_committed_code()
    {
        string root = CodeGenerator.FindRepoRoot(AppContext.BaseDirectory);
        string committedDir = Path.Combine(root, "src", "Chronik.Protocol", "Generated");
        var fresh = CodeGenerator.GenerateAll(CodeGenerator.DefaultSchemaDir(root), CodeGenerator.DefaultFloorSchemaDir(root));
        string temp = Path.Combine(Path.GetTempPath(), "chronik-gen-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temp);
        try
        {
            foreach (var (name, text) in fresh) File.WriteAllText(Path.Combine(temp, name), text);
            var committed = Directory.GetFiles(committedDir, "*.g.cs").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(fresh.Keys.ToList(), committed);
            foreach (var name in fresh.Keys)
            {
                Assert.True(File.ReadAllText(Path.Combine(temp, name)) == File.ReadAllText(Path.Combine(committedDir, name)),
                    $"{name} is out of date: run `dotnet run --project src/Chronik.Protocol.Generator`");
            }
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    [Fact]
    public void Api_table_lists_every_request_schema()
    {
        Assert.Equal("Produce", Chronik.Protocol.Messages.ApiKeys.Get(0)!.Value.Name);
        Assert.Equal(12, Chronik.Protocol.Messages.ApiKeys.Get(1)!.Value.FlexibleFrom);
        Assert.True(Chronik.Protocol.Messages.ApiKeys.Get(18)!.Value.BrokerListener);
        Assert.Equal(0, Chronik.Protocol.Messages.ApiKeys.ResponseHeaderVersion(18, 4));
        Assert.Equal(1, Chronik.Protocol.Messages.ApiKeys.ResponseHeaderVersion(3, 12));
        Assert.Equal(2, Chronik.Protocol.Messages.ApiKeys.RequestHeaderVersion(3, 12));
        Assert.Equal(1, Chronik.Protocol.Messages.ApiKeys.RequestHeaderVersion(3, 8));
    }
}
