using Chronik.Storage.Objects.Files;
using Chronik.Storage.Objects.S3;

namespace Chronik.Storage.Objects.Tests;

/// <summary>The --object-store URL forms, and the errors for bad ones.</summary>
[Collection(ObjectStoreCollection.Name)]
public sealed class ObjectStoreUrlTests
{
    [Fact]
    public void A_file_url_names_a_directory()
    {
        var url = ObjectStoreUrl.Parse("file:///var/lib/chronik/objects");
        Assert.Equal("/var/lib/chronik/objects", url.Directory);
        Assert.Null(url.S3);
        Assert.Equal("/srv/a b", ObjectStoreUrl.Parse("file:///srv/a%20b").Directory);
        Assert.Equal("/x", ObjectStoreUrl.Parse("file://localhost/x").Directory);
    }

    [Fact]
    public void An_s3_url_takes_endpoint_region_and_path_style()
    {
        var url = ObjectStoreUrl.Parse("s3://chronik-data?endpoint=http://127.0.0.1:4568&region=eu-west-1&path-style=true");
        Assert.Null(url.Directory);
        Assert.Equal("chronik-data", url.S3!.Bucket);
        Assert.Equal(new Uri("http://127.0.0.1:4568"), url.S3.Endpoint);
        Assert.Equal("eu-west-1", url.S3.Region);
        Assert.True(url.S3.PathStyle);

        var plain = ObjectStoreUrl.Parse("s3://bucket.with.dots");
        Assert.Null(plain.S3!.Endpoint);
        Assert.Equal("us-east-1", plain.S3.Region);
        Assert.False(plain.S3.PathStyle);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/tmp/objects", "expected file:///PATH")]
    [InlineData("ftp://host/x", "unknown scheme 'ftp'")]
    [InlineData("file://host/x", "names no host")]
    [InlineData("file:///", "absolute directory")]
    [InlineData("file:///x?y=1", "no query")]
    [InlineData("s3://", "not a bucket name")]
    [InlineData("s3://UPPER", "not a bucket name")]
    [InlineData("s3://b", "not a bucket name")]
    [InlineData("s3://bucket/prefix", "key prefix")]
    [InlineData("s3://bucket?endpoint=localhost:4568", "not an http")]
    [InlineData("s3://bucket?endpoint=http://h:1/path", "host:port only")]
    [InlineData("s3://bucket?path-style=yes", "true or false")]
    [InlineData("s3://bucket?region=EU", "not a region")]
    [InlineData("s3://bucket?pathstyle=true", "unknown parameter 'pathstyle'")]
    [InlineData("s3://bucket?region=a&region=b", "given twice")]
    public void Bad_urls_say_what_is_wrong(string url, string why)
    {
        var e = Assert.Throws<FormatException>(() => ObjectStoreUrl.Parse(url));
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_builds_the_file_store()
    {
        string dir = Path.Combine(Path.GetTempPath(), "chronik-url-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var store = ObjectStoreUrl.Parse("file://" + dir).Open();
            Assert.IsType<FileObjectStore>(store);
            Assert.True(Directory.Exists(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Open_builds_the_s3_store_with_credentials_from_the_aws_variables()
    {
        var env = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "AK", ["AWS_SECRET_ACCESS_KEY"] = "SK" };
        await using var store = ObjectStoreUrl.Parse("s3://bucket?endpoint=http://127.0.0.1:1&path-style=true").Open(env.GetValueOrDefault);
        Assert.IsType<S3ObjectStore>(store);
        Assert.Contains("s3://bucket", store.Description, StringComparison.Ordinal);
    }
}

/// <summary>Open against the live s3rver: the URL form reaches the same store the contract suite tests.</summary>
[Collection(ObjectStoreCollection.Name)]
public sealed class ObjectStoreUrlS3Tests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    [Fact]
    public async Task An_s3_url_with_env_credentials_round_trips_on_s3rver()
    {
        var env = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = S3rverFixture.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = S3rverFixture.SecretKey };
        await using var store = ObjectStoreUrl.Parse($"s3://{S3rverFixture.Bucket}?endpoint={s3.Endpoint.GetLeftPart(UriPartial.Authority)}&region=us-east-1&path-style=true")
            .Open(env.GetValueOrDefault);
        string key = "url/" + Guid.NewGuid().ToString("N");
        await store.PutAsync(key, new byte[] { 9, 8, 7 }, CancellationToken.None);
        Assert.Equal(3, (await store.HeadAsync(key, CancellationToken.None))!.Size);
    }
}
