// Buy a licence through the visitor's browser wallet (EIP-1193: window.ethereum.request).
// Each Buy button's <li> names its fulfil endpoint and price: the server answers with the unsigned
// transaction (simulated from the buyer first, so a purchase that would revert is refused with the
// contract's custom error), the wallet signs and sends it, and GET /relay/{hash} says when it is mined
// and which licence it minted. Texts come from the page (#buy-strings), in the page's language.
(function () {
  "use strict";
  const S = JSON.parse(document.getElementById("buy-strings").textContent);
  const say = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
  const quantity = (decimal) => "0x" + BigInt(decimal).toString(16);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  class WalletError extends Error {}

  async function ask(wallet, method, params) {
    try {
      return await wallet.request(params ? { method, params } : { method });
    } catch (e) {
      throw new WalletError((e && e.message) || String(e));
    }
  }

  async function refusal(response) {
    let body = {};
    try {
      body = await response.json();
    } catch (e) {
      // not a problem document: the status line says enough
    }
    return say(S.buy_refused, { title: body.title || response.status, detail: body.detail || response.statusText });
  }

  // the transaction as eth_sendTransaction takes it; the wallet picks the nonce
  function request(tx) {
    return {
      from: tx.from, to: tx.to, data: tx.data, value: quantity(tx.value), gas: quantity(tx.gas),
      maxFeePerGas: quantity(tx.maxFeePerGas), maxPriorityFeePerGas: quantity(tx.maxPriorityFeePerGas),
      chainId: quantity(tx.chainId), type: "0x2",
    };
  }

  async function mined(hash) {
    for (let i = 0; i < 400; i++) {
      const response = await fetch("/relay/" + hash, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const state = await response.json();
        if (state.status === "mined" || state.status === "reverted") return state;
      }
      await sleep(i < 20 ? 250 : 1500);
    }
    throw new Error("not mined after ten minutes: " + hash);
  }

  async function buy(item, out) {
    const wallet = window.ethereum;
    out.textContent = S.buy_connecting;
    const [account] = await ask(wallet, "eth_requestAccounts");
    out.textContent = say(S.buy_preparing, { account });
    // an ERC-20 price takes two rounds: the approval, then the purchase
    for (let round = 0; round < 3; round++) {
      const response = await fetch(item.dataset.fulfil, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ buyer: account, max_price: item.dataset.price }),
      });
      if (!response.ok) {
        out.textContent = await refusal(response);
        return;
      }
      const answer = await response.json();
      const tx = answer.transactions[0];
      const chain = BigInt(await ask(wallet, "eth_chainId"));
      if (chain !== BigInt(tx.chainId)) {
        out.textContent = say(S.buy_wrong_chain, { wallet: chain, hub: tx.chainId });
        return;
      }
      out.textContent = S.buy_confirm;
      const hash = await ask(wallet, "eth_sendTransaction", [request(tx)]);
      out.textContent = say(answer.approval_required ? S.buy_approval_sent : S.buy_sent, { hash });
      const state = await mined(hash);
      if (state.status === "reverted") {
        const error = state.error ? state.error.name + (state.error.hint ? ": " + state.error.hint : "") : "?";
        out.textContent = say(S.buy_reverted, { hash, error });
        return;
      }
      if (!answer.approval_required) {
        out.dataset.licences = state.licence_ids.join(",");
        out.textContent = say(S.buy_done, { ids: state.licence_ids.map((id) => "#" + id).join(", "), hash });
        return;
      }
    }
  }

  for (const button of document.querySelectorAll("li.offer button.buy")) {
    const item = button.closest("li.offer");
    const out = item.querySelector("output.buy-status");
    if (!window.ethereum || typeof window.ethereum.request !== "function") {
      button.textContent = S.install_wallet;
      button.disabled = true;
      continue;
    }
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await buy(item, out);
      } catch (e) {
        const message = (e && e.message) || String(e);
        out.textContent = e instanceof WalletError ? say(S.buy_wallet_refused, { message }) : say(S.buy_unreachable, { message });
      } finally {
        button.disabled = false;
      }
    });
  }
})();
