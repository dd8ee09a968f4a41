using Chronik.Storage.Objects.S3;

namespace Chronik.Storage.Objects.Tests;

/// <summary>The contract against a real s3rver.</summary>
[Collection(ObjectStoreCollection.Name)]
public sealed class S3ObjectStoreTests(S3rverFixture s3) : ObjectStoreContract, IClassFixture<S3rverFixture>, IAsyncDisposable
{
    private readonly S3ObjectStore _store = new(s3.Options());

    protected override IObjectStore Store => _store;

    public ValueTask DisposeAsync() => _store.DisposeAsync();

    [Fact]
    public async Task A_bucket_that_does_not_exist_is_an_error_not_a_retry()
    {
        await using var store = new S3ObjectStore(s3.Options() with { Bucket = "no-such-bucket" });
        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync("k.obj", new byte[3], CancellationToken.None));
        Assert.IsNotType<ObjectStoreUnavailableException>(e);
    }

    [Fact]
    public async Task Wrong_credentials_are_an_error()
    {
        await using var store = new S3ObjectStore(s3.Options() with { AccessKeyId = "NOSUCHKEY" });
        await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync(Prefix + "k.obj", new byte[3], CancellationToken.None));
    }
}
