// The dashboard's words in Chinese and English. Chip and region names are not here: they come
// from the market file (GET /v1/reference: name_zh, name_en), so an operator's own market shows
// its own names in both languages.

const words = {
  en: {
    title: 'Compute Unit Exchange',
    subtitle: 'live market',
    lang: '中文',
    live: 'live', connecting: 'connecting…', down: 'reconnecting…',
    chip: 'Chip', region: 'Region', window: 'Window',
    book: 'Order book', tape: 'Trade tape', candles: 'Candles (1 min)',
    heat: 'SCU price by region and chip', spread: 'East–west spread',
    delivered: 'Delivered cost of a sample job', alerts: 'Surveillance alerts',
    bid: 'Bid', ask: 'Ask', qty: 'Qty', price: 'Price', time: 'Time', side: 'Side',
    buy: 'buy', sell: 'sell', auction: 'auction',
    noData: 'no data yet', noTrades: 'no trades yet', noQuotes: 'no quotes',
    empty: 'empty book',
    notServed: 'not served by this server yet',
    fromTape: 'bars service not available: candles computed here from the tape',
    spreadLocal: 'index service not available: spread computed here from the heat map’s prices (east mean − west mean, CNY per PFLOPS-hour)',
    spreadIndex: 'CNY per PFLOPS-hour, eastern hubs minus western hubs (SCU index)',
    heatIndexNote: 'CNY per PFLOPS-hour (dense FP16): the SCU index of each chip in each hub, volume-weighted over the trades of the last hour (the server’s index)',
    heatNote: 'CNY per PFLOPS-hour (dense FP16): mid of the best bid and ask, else the best quote, in each book of the hour shown; CPU classes are per vCPU and not on this map',
    deliveredNote: 'Computed in this page from /v1/reference and the best asks (a job’s dry run needs a buyer’s key): compute + energy (board power × PUE × the hour’s tariff) + network (data × tariff ÷ devices) + taker fee, CNY per device-hour. Green: the cheapest for that origin.',
    origin: 'Data in', sampleJob: 'job', devices: 'devices', dataGb: 'GB of data',
    east: 'east', west: 'west',
    regulator: 'Regulator', key: 'API key', secret: 'secret', signIn: 'Sign in', signOut: 'Sign out',
    regulatorHint: 'A regulator’s key shows the surveillance alerts (kept in this tab only).',
    notRegulator: 'this key is not a regulator’s', badKey: 'the key was refused',
    kind: 'Kind', message: 'Message', evidence: 'Evidence', noAlerts: 'no alerts',
    hourShown: 'hour', seq: 'seq', chartsMissing: 'The charts library is missing (run tools/setup, which runs npm ci in web/): charts are off, tables still update.',
    units: 'CNY / PFLOPS-h', perDeviceHour: 'CNY per device-hour',
  },
  zh: {
    title: '算力交易所',
    subtitle: '实时行情',
    lang: 'English',
    live: '实时', connecting: '连接中…', down: '重新连接中…',
    chip: '芯片', region: '枢纽', window: '交付时段',
    book: '订单簿', tape: '成交明细', candles: 'K线（1分钟）',
    heat: '各枢纽各芯片的标准算力单价', spread: '东西部价差',
    delivered: '示例作业的到手成本', alerts: '监察预警',
    bid: '买价', ask: '卖价', qty: '数量', price: '价格', time: '时间', side: '方向',
    buy: '买', sell: '卖', auction: '集合竞价',
    noData: '暂无数据', noTrades: '暂无成交', noQuotes: '无报价',
    empty: '订单簿为空',
    notServed: '本服务器尚未提供',
    fromTape: '尚无K线服务：K线由本页根据成交明细计算',
    spreadLocal: '尚无指数服务：价差由本页根据热力图价格计算（东部均价 − 西部均价，元/PFLOPS·时）',
    spreadIndex: '元/PFLOPS·时，东部枢纽减西部枢纽（标准算力指数）',
    heatIndexNote: '元/PFLOPS·时（FP16 稠密算力）：各枢纽各芯片的标准算力指数，按最近一小时成交量加权（服务器指数）',
    heatNote: '元/PFLOPS·时（FP16 稠密算力）：所示时段各订单簿最优买卖价的中间价，否则为最优报价；CPU 按 vCPU 计价，不在此图中',
    deliveredNote: '由本页根据 /v1/reference 与最优卖价计算（作业试算需要买方密钥）：算力 + 电费（功耗 × PUE × 该时段电价）+ 网络（数据量 × 单价 ÷ 卡数）+ 吃单手续费，元/卡·时。绿色为该数据所在地的最低成本。',
    origin: '数据所在', sampleJob: '作业', devices: '卡', dataGb: 'GB 数据',
    east: '东部', west: '西部',
    regulator: '监管', key: 'API 密钥', secret: '私钥', signIn: '登录', signOut: '退出',
    regulatorHint: '使用监管方密钥可查看监察预警（仅保存在本标签页）。',
    notRegulator: '该密钥不属于监管方', badKey: '密钥被拒绝',
    kind: '类型', message: '说明', evidence: '证据', noAlerts: '暂无预警',
    hourShown: '时段', seq: '序号', chartsMissing: '缺少图表库（请运行 tools/setup，它会在 web/ 中执行 npm ci）：图表已关闭，表格仍会更新。',
    units: '元 / PFLOPS·时', perDeviceHour: '元/卡·时',
  },
};

let lang = 'zh';

export function setLang(l) { lang = words[l] ? l : 'en'; }
export function getLang() { return lang; }
export function t(k) { return (words[lang] && words[lang][k]) || words.en[k] || k; }
// A chip's or region's name from the reference data, in the current language.
export function nameOf(x) { return x ? (lang === 'zh' ? x.name_zh : x.name_en) || x.id : ''; }
