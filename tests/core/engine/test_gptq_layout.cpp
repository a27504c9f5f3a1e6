// GPTQ checkpoints in the AutoAWQ layout (engine::gptqAsAwq, how the CUDA engine runs GPTQ on the
// W4A16 kernels): the converted tensors dequantize to the GPTQ weight bit for bit, for every code and
// zero a v1 checkpoint can hold; act-order (g_idx not k / group) and a v1 zero of 0 are refused.
#include "core/layers/gptq_layout.h"
#include "core/layers/linear.h"

#include <QtTest>

using namespace awq;
using namespace awq::engine;

namespace {

struct Codes {
    at::Tensor q, zeros, scales, gIdx;  // q [N, K], zeros / scales [N, G], gIdx [K] (packGptq's inputs)
};

// Every code 0..15 in every column; zeros 1..15 (what a v1 checkpoint holds); fp16 scales.
Codes randomCodes(int K, int N, int group) {
    at::manual_seed(11);
    Codes c;
    c.q = at::randint(0, 16, {N, K}, at::kInt);
    c.q.select(1, 0).copy_(at::arange(N, at::kInt).remainder(16));
    c.zeros = at::randint(1, 16, {N, K / group}, at::kInt);
    c.scales = (at::rand({N, K / group}) * 0.02 + 0.001).to(at::kHalf);
    c.gIdx = at::arange(K, at::kInt).div(group, "floor");
    return c;
}

}  // namespace

class TestGptqLayout : public QObject {
    Q_OBJECT
private slots:
    void convertedWeightDequantizesBitForBit_data() {
        QTest::addColumn<int>("K");
        QTest::addColumn<int>("N");
        QTest::addColumn<int>("group");
        QTest::newRow("group 128") << 512 << 384 << 128;
        QTest::newRow("group 64") << 256 << 1024 << 64;
        QTest::newRow("one group") << 256 << 64 << 256;
    }
    void convertedWeightDequantizesBitForBit() {
        QFETCH(int, K);
        QFETCH(int, N);
        QFETCH(int, group);
        const Codes c = randomCodes(K, N, group);
        const GptqTensors gptq = packGptq(c.q, c.zeros, c.scales, c.gIdx);
        const auto awq = gptqAsAwq(gptq, /*zerosMinusOne=*/true, group);
        QVERIFY(awq.has_value());
        QVERIFY(awq->qweight.sizes().vec() == (std::vector<std::int64_t>{K, N / 8}));
        QVERIFY(awq->qzeros.sizes().vec() == (std::vector<std::int64_t>{K / group, N / 8}));
        const auto fromAwq = dequantizeAwq(awq->qweight, awq->qzeros, awq->scales, group, at::kHalf);
        const auto fromGptq = dequantizeGptq(gptq, true, at::kHalf);
        QVERIFY(at::equal(fromAwq, fromGptq));
        // and both are the weight the codes describe
        const auto zk = c.zeros.t().to(at::kFloat).repeat_interleave(group, 0);
        const auto sk = c.scales.t().to(at::kFloat).repeat_interleave(group, 0);
        QVERIFY(at::equal(fromGptq, ((c.q.t().to(at::kFloat) - zk) * sk).to(at::kHalf)));
    }

    void actOrderStaysDense() {
        Codes c = randomCodes(256, 64, 128);
        c.gIdx = at::randperm(256, at::kLong).div(128, "floor").to(at::kInt);  // desc_act: groups scattered over k
        QVERIFY(!gptqAsAwq(packGptq(c.q, c.zeros, c.scales, c.gIdx), true, 128).has_value());
    }

    void aZeroOfZeroStaysDense() {
        // v1 stores zero - 1: a zero of 0 is stored as 15 and reads back as 16, which AWQ's nibbles cannot hold.
        Codes c = randomCodes(256, 64, 128);
        c.zeros[3][1].fill_(0);
        QVERIFY(!gptqAsAwq(packGptq(c.q, c.zeros, c.scales, c.gIdx), true, 128).has_value());
        c.zeros[3][1].fill_(15);  // the largest v1 zero converts
        QVERIFY(gptqAsAwq(packGptq(c.q, c.zeros, c.scales, c.gIdx), true, 128).has_value());
    }
};

QTEST_GUILESS_MAIN(TestGptqLayout)
#include "test_gptq_layout.moc"
