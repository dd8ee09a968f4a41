using System.Xml.Linq;

namespace Chronik.Storage.Objects.Tests;

/// <summary>Chronik.Storage.Objects sits on Chronik.Storage alone, so the broker's lower layers can use it.</summary>
[Collection(ObjectStoreCollection.Name)]
public sealed class LayeringTests
{
    [Fact]
    public void The_object_store_references_only_storage()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Chronik.slnx"))) d = d.Parent;
        Assert.NotNull(d);
        var refs = XDocument.Load(Path.Combine(d.FullName, "src", "Chronik.Storage.Objects", "Chronik.Storage.Objects.csproj"))
            .Descendants("ProjectReference").Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value)).ToList();
        Assert.Equal(["Chronik.Storage"], refs);
    }
}
