using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Xunit;

namespace Chronik.Broker.Tests;

[Collection("broker")]
public class ProtocolTests(BrokerFixture broker)
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ApiVersions_lists_served_apis(short version)
    {
        using var c = new RawClient(broker.Port);
        int corr = c.Send(new ApiVersionsRequest { ClientSoftwareName = "raw-test", ClientSoftwareVersion = "1.0" }, version);
        var r = c.Receive<ApiVersionsResponse>(corr, version, 0);
        Assert.Equal(0, r.ErrorCode);
        var produce = r.ApiKeys.Single(k => k.ApiKey == 0);
        Assert.Equal(0, produce.MinVersion);
        Assert.Equal(13, produce.MaxVersion);
        Assert.Contains(r.ApiKeys, k => k.ApiKey == 1);
        Assert.Contains(r.ApiKeys, k => k.ApiKey == 18 && k.MaxVersion == 4);
    }

    // Unsupported versions, unknown keys and malformed requests: CompatibilityChecksTests.

    [Fact]
    public void Oversized_or_negative_frame_closes_the_connection()
    {
        using var bad = new RawClient(broker.Port);
        bad.SendRaw([]); // a zero-length frame is below the minimal header
        Assert.Null(bad.ReadFrame());
    }

    [Fact]
    public void Metadata_v0_empty_list_means_all_topics_and_auto_creates_named_ones()
    {
        using var c = new RawClient(broker.Port);
        int corr = c.Send(new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = "meta-auto" }] }, 4);
        var created = c.Receive<MetadataResponse>(corr, 4, 0);
        var t = Assert.Single(created.Topics);
        Assert.Equal(0, t.ErrorCode);
        Assert.Equal("127.0.0.1", created.Brokers[0].Host);
        Assert.Equal(broker.Port, created.Brokers[0].Port);
        corr = c.Send(new MetadataRequest { Topics = [] }, 0);
        var all = c.Receive<MetadataResponse>(corr, 0, 0);
        Assert.Contains(all.Topics, x => x.Name == "meta-auto");
        corr = c.Send(new MetadataRequest { Topics = [] }, 1);
        Assert.Empty(c.Receive<MetadataResponse>(corr, 1, 0).Topics);
    }

    [Fact]
    public void Pipelined_requests_are_answered_in_order()
    {
        using var c = new RawClient(broker.Port);
        var ids = Enumerable.Range(0, 20).Select(i => c.Send(i % 2 == 0 ? new ApiVersionsRequest() : new MetadataRequest(), (short)(i % 2 == 0 ? 0 : 9))).ToList();
        for (int i = 0; i < ids.Count; i++)
        {
            if (i % 2 == 0) c.Receive<ApiVersionsResponse>(ids[i], 0, 0);
            else c.Receive<MetadataResponse>(ids[i], 9, 1);
        }
    }
}
