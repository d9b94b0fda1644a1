-- cux ledger: the book of record for money (DESIGN.md section 5, issue 3). SQLite, double entry,
-- integer fen only (0.01 CNY). Written by ONE writer thread (ledger/writer.hpp) that applies the
-- engine's events in event-seq order; read through separate connections (WAL: reads never block
-- the writer). The writer runs this script inside one transaction on every open: every
-- statement is idempotent (IF NOT EXISTS / OR IGNORE). schemas/README.md ("The ledger") walks
-- through it with a worked trade.
--
-- Designed for >= 50,000 settled trades/s with synchronous=FULL on 2 cores. SQLite pays a few
-- thousand instructions per row written (a B-tree descent, the record, the page), whatever the
-- row holds, so the design counts rows:
--  * a contract's lines (compute, energy, network, fees) are columns of its row, written once;
--    the money moves in 5 transfers per settled trade (one into escrow, four out of it), not
--    one per line and side;
--  * every hot table is keyed by an engine-assigned, increasing integer (its rowid), so inserts
--    append to the right edge of one B-tree, and there is NO secondary index on a hot table;
--  * every row of a batch goes in with one INSERT ... SELECT per table (ledger/detail/rows.hpp);
--  * balances are updated once per account per batch (the writer sums a batch in memory);
--  * what statements and per-participant listings need is written once per participant per
--    batch as a compact posting list (`postings`), never once per row;
--  * nothing is updated in place: a contract's settlement or failure is a row of its own.

-- The writer's position: the last engine event applied, in the same transaction as its effects.
CREATE TABLE IF NOT EXISTS ledger_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    schema_version INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,      -- last engine event seq applied (0: none)
    last_cmd_seq INTEGER NOT NULL,  -- the command that event belongs to
    last_ts INTEGER NOT NULL,       -- its stamp, ns since the Unix epoch (UTC)
    batches INTEGER NOT NULL,       -- transactions committed with effects
    posted_seq INTEGER NOT NULL,    -- `postings` list every transfer of events up to this one,
    posted_trade INTEGER NOT NULL   -- and every trade up to this id (see postings below)
);
INSERT OR IGNORE INTO ledger_state VALUES (1, 3, 0, 0, 0, 0, 0, 0);

-- Participants as the engine created them. Participant 0 is the exchange itself.
CREATE TABLE IF NOT EXISTS participants (
    id INTEGER PRIMARY KEY,  -- engine participant id
    name TEXT NOT NULL,
    roles INTEGER NOT NULL,  -- bits: 1 admin, 2 vendor, 4 buyer, 8 regulator
    created_seq INTEGER NOT NULL,
    created_ts INTEGER NOT NULL
);
INSERT OR IGNORE INTO participants VALUES (0, 'exchange', 1, 0, 0);

-- API keys for the gateway's HMAC-SHA256 request signing (API.md "Authentication"). The server
-- must recompute HMAC(secret, ...) for every request, so it has to hold the secret itself: a
-- one-way hash of it could not verify a signature. Protect the file (mode 0600: the ledger
-- creates cux.db so, and its -wal and -shm files take that mode), not the column.
-- Written by the gateway on its own connection (rare, short transactions); not part of the
-- money path, so no foreign key to participants (whose row the writer may add a moment later).
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,       -- the CUX-KEY header
    participant INTEGER NOT NULL,  -- engine participant id
    secret BLOB NOT NULL,          -- the HMAC key (32 random bytes)
    created_ts INTEGER NOT NULL,
    revoked_ts INTEGER             -- NULL while valid
) WITHOUT ROWID;

-- Accounts. balance = sum of credits - sum of debits, in fen; the sum over all accounts is 0.
-- Ids are fixed by a formula (ledger/accounts.hpp) so the writer never looks one up:
--   1            the bank: outside money (deposits in, withdrawals out); negative
--   16 + c       network carrier c (index into the market file's carriers)
--   1024 + 2p    participant p's available (engine available + held by open orders);
--                for p = 0 (the exchange) this is the exchange's fee account
--   1025 + 2p    participant p's escrow (bought, not yet settled)
CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('bank', 'carrier', 'fees', 'available', 'escrow')),
    owner INTEGER NOT NULL,  -- participant id, or carrier index; 0 for the bank
    name TEXT NOT NULL,
    balance INTEGER NOT NULL DEFAULT 0,
    updated_seq INTEGER NOT NULL DEFAULT 0  -- event seq of the batch that last changed it
);
INSERT OR IGNORE INTO accounts (id, kind, owner, name) VALUES (1, 'bank', 0, 'bank');
INSERT OR IGNORE INTO accounts (id, kind, owner, name) VALUES (1024, 'fees', 0, 'exchange fees');
INSERT OR IGNORE INTO accounts (id, kind, owner, name)
    VALUES (1025, 'escrow', 0, 'exchange escrow');

-- Kinds of line: what statements show (stable numbers, ledger/accounts.hpp line_kind).
CREATE TABLE IF NOT EXISTS line_kinds (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
INSERT OR IGNORE INTO line_kinds VALUES
    (1, 'deposit'), (2, 'withdrawal'), (3, 'compute'), (4, 'energy'), (5, 'network'),
    (6, 'fee'), (7, 'refund');

-- Kinds of transfer (ledger/accounts.hpp transfer_kind). A transfer of a single-line kind is
-- that one line; `escrow` and `proceeds` carry several lines of the contract `ref`, whose
-- amounts are the contract row's columns (`lines` names them, in line order).
CREATE TABLE IF NOT EXISTS transfer_kinds (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    lines TEXT NOT NULL
);
INSERT OR IGNORE INTO transfer_kinds VALUES
    (1, 'deposit', 'deposit'), (2, 'withdrawal', 'withdrawal'), (5, 'network', 'network'),
    (6, 'fee', 'fee'), (7, 'refund', 'refund'),
    (8, 'escrow', 'compute, energy, network, buyer_fee'), (9, 'proceeds', 'compute, energy');

-- Every movement of money: append-only. id = event_seq * 8 + line: each engine event owns ids
-- [8 seq, 8 seq + 7], a transfer takes the id of its first line and reserves one per line, so
-- applying an event twice inserts nothing new and every statement line has an id of its own.
--   deposit     bank -> available(p)                        line 0, ref = command seq
--   withdrawal  available(p) -> bank                        line 0, ref = command seq
--   at a trade, ref = trade id:
--     escrow    available(buyer) -> escrow(buyer), the contract's cost; lines 0..3 are its
--               compute, energy, network and buyer fee
--   at settlement, ref = trade id, out of the buyer's escrow:
--     proceeds  -> available(seller), compute + energy      lines 0 (compute), 1 (energy)
--     network   -> carrier                                  line 2
--     fee       -> exchange fees, the buyer's fee           line 3
--     fee       available(seller) -> exchange fees, the seller's fee (out of the proceeds)
--                                                           line 4
--   at failure, ref = trade id:
--     refund    escrow(buyer) -> available(buyer), the whole cost    line 0
-- Zero amounts are not recorded (nor, on statements, zero lines).
CREATE TABLE IF NOT EXISTS transfers (
    id INTEGER PRIMARY KEY,
    debit INTEGER NOT NULL,   -- account the money leaves
    credit INTEGER NOT NULL,  -- account the money enters
    amount INTEGER NOT NULL CHECK (amount > 0),
    kind INTEGER NOT NULL,    -- transfer_kinds.id
    ref INTEGER NOT NULL,     -- trade id (contract transfers) or command seq (deposit, withdrawal)
    ts INTEGER NOT NULL       -- the event's stamp, ns since the Unix epoch (UTC)
);
CREATE TRIGGER IF NOT EXISTS transfers_no_update BEFORE UPDATE ON transfers
BEGIN SELECT RAISE(ABORT, 'transfers are append-only'); END;
CREATE TRIGGER IF NOT EXISTS transfers_no_delete BEFORE DELETE ON transfers
BEGIN SELECT RAISE(ABORT, 'transfers are append-only'); END;

-- One row per trade and the contract it created (the engine makes exactly one contract per
-- trade, so they share a row and a key: the engine's increasing trade id), written once when
-- the trade happens. The contract's lines are its columns: compute and energy payable to the
-- seller, network to the carrier, the buyer's fee to the exchange; the seller's fee comes out
-- of the seller's proceeds. The buyer paid compute + energy + network + buyer_fee into escrow.
CREATE TABLE IF NOT EXISTS contracts (
    id INTEGER PRIMARY KEY,     -- engine trade id
    contract INTEGER NOT NULL,  -- engine contract id (what the API calls the contract)
    seq INTEGER NOT NULL,       -- event seq of the trade
    ts INTEGER NOT NULL,
    instrument INTEGER NOT NULL,  -- engine instrument id (packed chip, region, tenor, start)
    buyer INTEGER NOT NULL,
    seller INTEGER NOT NULL,
    buy_order INTEGER NOT NULL,
    sell_order INTEGER NOT NULL,
    aggressor INTEGER NOT NULL,  -- 0 buy, 1 sell
    auction INTEGER NOT NULL,    -- 1 when crossed in a call auction
    origin_region INTEGER NOT NULL,
    carrier INTEGER NOT NULL,
    price INTEGER NOT NULL,      -- fen per device-hour
    qty INTEGER NOT NULL,        -- devices
    compute INTEGER NOT NULL,
    energy INTEGER NOT NULL,
    network INTEGER NOT NULL,
    buyer_fee INTEGER NOT NULL,
    seller_fee INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS contracts_no_update BEFORE UPDATE ON contracts
BEGIN SELECT RAISE(ABORT, 'contracts are append-only'); END;
CREATE TRIGGER IF NOT EXISTS contracts_no_delete BEFORE DELETE ON contracts
BEGIN SELECT RAISE(ABORT, 'contracts are append-only'); END;

-- How a contract ended: one row when it settles or fails (none while it is open). Its key is
-- the contract's, so a second close of the same contract is refused.
CREATE TABLE IF NOT EXISTS contract_closes (
    id INTEGER PRIMARY KEY,   -- engine trade id (contracts.id)
    status INTEGER NOT NULL CHECK (status IN (1, 2)),  -- 1 settled, 2 failed
    seq INTEGER NOT NULL,     -- event seq of the settlement or failure
    ts INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS contract_closes_no_update BEFORE UPDATE ON contract_closes
BEGIN SELECT RAISE(ABORT, 'contract closes are append-only'); END;
CREATE TRIGGER IF NOT EXISTS contract_closes_no_delete BEFORE DELETE ON contract_closes
BEGIN SELECT RAISE(ABORT, 'contract closes are append-only'); END;

-- Every contract with its status: 0 open, 1 settled, 2 failed (closed_seq, closed_ts 0 while
-- open).
CREATE VIEW IF NOT EXISTS contract_status AS
    SELECT c.id, c.contract, c.seq, c.ts, c.instrument, c.buyer, c.seller, c.buy_order,
           c.sell_order, c.aggressor, c.auction, c.origin_region, c.carrier, c.price, c.qty,
           c.compute, c.energy, c.network, c.buyer_fee, c.seller_fee,
           coalesce(k.status, 0) AS status, coalesce(k.seq, 0) AS closed_seq,
           coalesce(k.ts, 0) AS closed_ts
    FROM contracts AS c LEFT JOIN contract_closes AS k ON k.id = c.id;
CREATE VIEW IF NOT EXISTS trades AS
    SELECT id, seq, ts, instrument, contract, buyer, seller, buy_order, sell_order, aggressor,
           auction, price, qty
    FROM contracts;

-- Posting lists: which transfers touched a participant's accounts (kind 0: its available and
-- escrow; for the exchange, participant 0, its fee account) and which trades it bought (kind 1)
-- or sold (kind 2). A row covers the events since the owner's previous row and is written when
-- the writer flushes its lists, every few batches (ledger_state.posted_seq and posted_trade say
-- how far they go): rows are scattered by owner, so writing one per owner per batch would
-- dirty a page per owner per commit. What is newer than the position is found by a scan of the
-- transfers and trades past it (bounded by the flush interval), by readers and by the writer
-- after a restart. A statement reads the posting rows overlapping its time range, then fetches
-- each transfer by its key. `ids` holds the ids, ascending, as unsigned LEB128 varints: the
-- first id, then each id's difference from the one before (1-3 bytes).
CREATE TABLE IF NOT EXISTS postings (
    owner INTEGER NOT NULL,      -- participant id
    kind INTEGER NOT NULL,
    first_seq INTEGER NOT NULL,  -- event seq of the first id listed
    last_seq INTEGER NOT NULL,
    first_ts INTEGER NOT NULL,
    last_ts INTEGER NOT NULL,
    ids BLOB NOT NULL,
    PRIMARY KEY (owner, kind, first_seq)
) WITHOUT ROWID;
